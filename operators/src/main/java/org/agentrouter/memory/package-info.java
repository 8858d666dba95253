/**
 * Stage <b>retrieve</b>, its memory: the memory record, its agent-memories form ({@code MemoryMessages}),
 * kinds and checks, the search contract ({@code MemorySearch}, {@code CandidateSet}, {@code RetrievalFilter}) and
 * the ledger of a namespace's memories ({@link org.agentrouter.memory.MemoryLedger}: newest version wins, delete
 * markers, feedback into use statistics and episodes). Rooms below: {@code kernels}, {@code index}, {@code lexical}, {@code store}.
 */
package org.agentrouter.memory;
