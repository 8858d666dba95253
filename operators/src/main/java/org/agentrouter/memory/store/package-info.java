/**
 * The offline tools' memory (calibrate, eval, train, AgentDB import, the --store seed): the SQLite +
 * sqlite-vec store, its writer and its searches (KnnSearch, QuantizedIndex). The job reads memories only from
 * agent-memories.
 */
package org.agentrouter.memory.store;
