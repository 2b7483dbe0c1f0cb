package dev.corvid.node.storage.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Faults a test can inject into a real node process, switched on by a system property and off by
 * default (then nothing here runs). {@value #LOG_SYNC_FAILS_WHEN_FILE_EXISTS}{@code =<file>}: every
 * log sync fails with an {@link IOException} while {@code <file>} exists, as a disk that stopped
 * taking writes would, so a test can let a node run normally and then pull its disk.
 */
final class FaultInjection {

    static final String LOG_SYNC_FAILS_WHEN_FILE_EXISTS = "corvid.faults.logSyncFailsWhenFileExists";

    private FaultInjection() {
    }

    /** What runs before each log sync: nothing, unless the property names a trigger file. */
    static Runnable beforeLogSync() {
        String trigger = System.getProperty(LOG_SYNC_FAILS_WHEN_FILE_EXISTS);
        if (trigger == null || trigger.isBlank()) {
            return () -> { };
        }
        Path file = Path.of(trigger);
        return () -> {
            if (Files.exists(file)) {
                throw new UncheckedIOException(new IOException("injected fault: the log sync failed (" + file
                        + " exists)"));
            }
        };
    }
}
