package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;
import org.junit.jupiter.api.Test;

class QueryValidatorTest {
    private final QueryValidator validator = new QueryValidator(100);

    private static AgentQuery.Builder valid() {
        return AgentQuery.newBuilder().setQueryId("q").setNamespace("ns").setText("hello").setEventTimeMs(1);
    }

    private static List<Float> vector(int dim, float value) {
        return new ArrayList<>(Collections.nCopies(dim, value));
    }

    @Test
    void normalizesAGivenVector() throws Exception {
        QueryContext c = validator.toContext(valid().setEmbedding(vector(384, 2f)).build());
        double norm = 0;
        for (float v : c.embedding) norm += v * v;
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void refusesWhatCannotBeRouted() {
        assertEquals(ErrorCategory.WRONG_VECTOR_SIZE, category(valid().setEmbedding(vector(3, 1f))));
        List<Float> nan = vector(384, 1f);
        nan.set(17, Float.NaN);
        assertEquals(ErrorCategory.NON_FINITE_VALUE, category(valid().setEmbedding(nan)));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setEmbedding(vector(384, 0f))));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setNamespace(" ")));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setText("")));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setAlpha(1.5)));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setContextK(500)));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setContextK(-1)));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setEventTimeMs(-5)));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setText("x".repeat(70_000))));
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setNamespace("n".repeat(513))));
    }

    /** Found by IntakeFuzzTest: one subnormal value in a zero vector scaled by more than Float.MAX_VALUE, to NaN. */
    @Test
    void refusesAVectorTooSmallToNormalizeInsteadOfMakingNaN() {
        List<Float> tiny = vector(384, 0f);
        tiny.set(3, 1.4e-39f);
        assertEquals(ErrorCategory.INVALID_FIELD, category(valid().setEmbedding(tiny)));
    }

    private ErrorCategory category(AgentQuery.Builder b) {
        return assertThrows(InvalidQueryException.class, () -> validator.toContext(b.build())).category();
    }
}
