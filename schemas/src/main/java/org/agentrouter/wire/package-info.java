/**
 * The wire, below every stage and both clients: Avro single-object encoding of each topic's records ({@link
 * org.agentrouter.wire.AvroWire}) and the limits a reader checks before Avro allocates, the topics' names ({@link
 * org.agentrouter.wire.Topics}, also in {@code topics.json}) and the embedding codec and dimension ({@link
 * org.agentrouter.wire.Embeddings}). Depends on nothing of the project.
 */
package org.agentrouter.wire;
