package dev.corvid.client.routing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The observers of one store's requests: added at any time, each hears every call from then on. */
public final class RequestObservers implements RequestObserver {

    private final List<RequestObserver> observers = new CopyOnWriteArrayList<>();

    public void add(RequestObserver observer) {
        observers.add(observer);
    }

    /** Whether anyone listens: the executor times attempts only then. */
    boolean isEmpty() {
        return observers.isEmpty();
    }

    @Override
    public void attempted(String node, String operation, Outcome outcome, long nanos) {
        for (RequestObserver o : observers) {
            o.attempted(node, operation, outcome, nanos);
        }
    }

    @Override
    public void failedOver(String from, String operation, OperationKind kind) {
        for (RequestObserver o : observers) {
            o.failedOver(from, operation, kind);
        }
    }

    @Override
    public void retried(String operation, Retry reason) {
        for (RequestObserver o : observers) {
            o.retried(operation, reason);
        }
    }
}
