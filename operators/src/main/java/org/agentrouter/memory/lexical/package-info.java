/**
 * Stage <b>retrieve</b>, the lexical side: one Apache Lucene index per namespace scored by BM25 over the memory
 * texts ({@link org.agentrouter.memory.lexical.LexicalIndex}), kept in step with the dense index by the job and
 * built in one go by the offline LoCoMo tools. The only package that knows Lucene.
 */
package org.agentrouter.memory.lexical;
