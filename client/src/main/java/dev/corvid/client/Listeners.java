package dev.corvid.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The listeners registered on a store: an immutable snapshot, replaced on registration. A session
 * keeps the snapshot it was opened with. Listeners run in registration order.
 */
record Listeners(List<DocumentStoreListener> store, List<DocumentConversionListener> conversion,
        List<DocumentConflictListener> conflict) {

    static final Listeners NONE = new Listeners(List.of(), List.of(), List.of());

    Listeners {
        store = List.copyOf(store);
        conversion = List.copyOf(conversion);
        conflict = List.copyOf(conflict);
    }

    Listeners with(DocumentStoreListener listener) {
        List<DocumentStoreListener> copy = new ArrayList<>(store);
        copy.add(listener);
        return new Listeners(copy, conversion, conflict);
    }

    Listeners with(DocumentConversionListener listener) {
        List<DocumentConversionListener> copy = new ArrayList<>(conversion);
        copy.add(listener);
        return new Listeners(store, copy, conflict);
    }

    Listeners with(DocumentConflictListener listener) {
        List<DocumentConflictListener> copy = new ArrayList<>(conflict);
        copy.add(listener);
        return new Listeners(store, conversion, copy);
    }
}
