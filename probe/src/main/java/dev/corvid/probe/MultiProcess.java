package dev.corvid.probe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that starts real node processes (or a real node on a port of its own): it
 * takes seconds, not milliseconds. {@code mvn test} leaves such tests out, so the inner loop
 * stays quick; {@code mvn verify} runs them after the quick ones (Surefire excludes the tag
 * {@value #TAG}, Failsafe runs only it).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(MultiProcess.TAG)
public @interface MultiProcess {

    /** The JUnit tag the build selects on. */
    String TAG = "multi-process";
}
