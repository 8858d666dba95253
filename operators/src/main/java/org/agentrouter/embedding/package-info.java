/**
 * Stage <b>embed</b>: MiniLM (all-MiniLM-L6-v2) for queries that arrive without a vector, and the WordPiece
 * token counter that costs are computed with.
 */
package org.agentrouter.embedding;
