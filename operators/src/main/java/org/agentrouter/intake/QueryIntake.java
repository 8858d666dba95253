package org.agentrouter.intake;

import org.agentrouter.routing.InvalidQueryException;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.routing.QueryValidator;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;

/**
 * agent-queries bytes to a routable {@link QueryContext}, or the reason they are not one. Flink-free, so the
 * fuzz tests drive exactly what the decode stage runs.
 */
public final class QueryIntake {
    private final InputLimits limits;
    private final QueryValidator validator;

    public QueryIntake(int maxContextK, InputLimits limits) {
        this.limits = limits;
        this.validator = new QueryValidator(maxContextK, limits);
    }

    public Decoded<QueryContext> read(byte[] bytes) {
        AgentQuery query;
        try {
            query = AvroWire.QUERY.decode(bytes, limits.maxRecordBytes);
        } catch (WireFormatException e) {
            return Decoded.refused(e.category(), e.getMessage(), null);
        }
        try {
            return Decoded.accepted(validator.toContext(query));
        } catch (InvalidQueryException e) {
            String id = query.getQueryId();
            return Decoded.refused(e.category(), e.getMessage(), id == null || id.length() > limits.maxIdChars ? null : id);
        }
    }
}
