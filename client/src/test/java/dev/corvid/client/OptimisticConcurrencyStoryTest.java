package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.OptimisticConcurrencyStory;
import dev.corvid.probe.MultiProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The runnable example tells its story to the end against a real node. */
@MultiProcess
class OptimisticConcurrencyStoryTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    @Test
    void story_catchesBothConcurrentChanges() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OptimisticConcurrencyStory.tell(NODE.address(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String story = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(story.contains("Alice saves 'Ayende' and gets a ConcurrencyException"), story);
        assertTrue(story.contains("Alice saves with store(person, "), story);
        assertTrue(story.contains("The end."), story);
        assertTrue(!story.contains("should not happen"), story);
    }
}
