/**
 * The query's record as it travels the pipeline ({@link org.agentrouter.query.QueryContext}), one release's
 * score of it ({@link org.agentrouter.query.Score}, served or shadow) and the health probe that travels with the
 * queries. Below every stage: each stage fills its part.
 */
package org.agentrouter.query;
