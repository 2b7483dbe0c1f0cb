package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** What a batch accepts, refuses and stores, before it reaches storage. */
class WriteBatchTest {

    private static String refusal(String metadata, String body) {
        return assertThrows(BadRequestException.class,
                () -> WriteBatch.builder().put("nums/1", metadata, body, null)).getMessage();
    }

    @Test
    void put_withNumberOutOfRange_isRefused() {
        assertEquals("body of 'nums/1': the number 1e999999999 at /v is out of range: a number's exponent must be from -9999 to 9999",
                refusal("{}", "{\"v\":1e999999999}"));
    }

    @Test
    void put_withNumberOutOfRangeInMetadata_isRefused() {
        assertEquals("metadata of 'nums/1': the number 1E-10000 at /tags/0 is out of range: a number's exponent must be from -9999 to 9999",
                refusal("{\"tags\":[1E-10000]}", "{}"));
    }

    @Test
    void put_withByteOrderMark_isRefused_inBodyAndMetadata() {
        ByteString bom = ByteString.copyFrom(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        ByteString object = ByteString.copyFromUtf8("{}");
        String body = assertThrows(BadRequestException.class,
                () -> WriteBatch.builder().put("nums/1", object, bom.concat(object), null)).getMessage();
        assertTrue(body.startsWith("body of 'nums/1' starts with a byte-order mark"), body);
        String metadata = assertThrows(BadRequestException.class,
                () -> WriteBatch.builder().put("nums/1", bom.concat(object), object, null)).getMessage();
        assertTrue(metadata.startsWith("metadata of 'nums/1' starts with a byte-order mark"), metadata);
    }

    @Test
    void put_withUnpairedSurrogateInMetadata_isRefused() {
        assertTrue(refusal("{\"note\":\"\\uD800\"}", "{}").startsWith("metadata of 'nums/1': the string at /note holds an unpaired surrogate"));
    }

    /** Metadata is stored re-encoded; its numbers keep their exact value (they used to go through a double). */
    @Test
    void put_keepsMetadataNumbersExact() throws IOException {
        WriteBatch batch = WriteBatch.builder().put("nums/1",
                "{\"@collection\":\"Nums\",\"price\":0.10000000000000000001,\"huge\":1e400,\"big\":123456789012345678901234567890}",
                "{\"v\":1e400}", null).build();
        Mutation put = batch.mutations().get(0);
        JsonNode metadata = JsonRules.MAPPER.readTree(put.metadata());
        assertEquals(new BigDecimal("0.10000000000000000001"), metadata.get("price").decimalValue());
        assertEquals(0, new BigDecimal("1e400").compareTo(metadata.get("huge").decimalValue()));
        assertEquals("123456789012345678901234567890", metadata.get("big").asText());
        assertEquals("{\"v\":1e400}", new String(put.body(), java.nio.charset.StandardCharsets.UTF_8), "the body is stored as sent");
    }
}
