package dev.corvid.node.testing;

import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.wire.WireEtag;

/** Tests that write etags as text, as people read them, put them on the wire with this. */
public final class TextEtags {

    private TextEtags() {
    }

    /** The wire bytes of the etag {@code text}; empty bytes for empty text ("no etag"). */
    public static ByteString wire(String text) {
        return text.isEmpty() ? ByteString.EMPTY : WireEtag.bytes(Etag.parse(text));
    }
}
