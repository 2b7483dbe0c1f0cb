package dev.corvid.node.storage.write;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.wal.LogEntry;
import java.util.List;

/** How far a named process of this node has got, recorded durably on its own (see {@link dev.corvid.node.storage.Storage#recordProgressAsync}). */
final class ProgressWrite extends Pending<Void> {

    private final String name;
    private final Etag position;

    ProgressWrite(String name, Etag position) {
        if (name == null || name.isBlank() || position == null) {
            throw new IllegalArgumentException("a progress record needs a name and a position");
        }
        this.name = name;
        this.position = position;
    }

    @Override
    List<LogEntry> prepare(GroupView view) {
        view.setSourceProgress(name, position);
        return List.of(new LogEntry.SourceProgress(name, position));
    }

    @Override
    Void result() {
        return null;
    }
}
