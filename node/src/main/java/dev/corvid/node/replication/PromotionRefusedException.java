package dev.corvid.node.replication;

/** A promotion that cannot be made as asked (a static master, a master that does not answer); FAILED_PRECONDITION. */
public final class PromotionRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PromotionRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
