package org.agentrouter.job;

import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.flink.RawRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;

/**
 * Where {@link RouterJob} reads and writes, by name: the Kafka topics in production ({@link KafkaEndpoints}),
 * bounded sources and collecting sinks in tests. Sources deliver the records' raw bytes (decoding happens in the
 * job, where a failure becomes a dead letter); sinks take already-encoded messages.
 *
 * @param queries          agent-queries
 * @param models           router-models: releases and controls, broadcast to every scorer
 * @param feedback         routing-feedback
 * @param memories         agent-memories
 * @param decisions        routing-decisions
 * @param metrics          routing-metrics
 * @param deadLetters      agent-queries-dlq: bad input of every stage
 * @param modelEvents      model-events: verdicts on releases, drift, automatic rollbacks
 * @param health           router-health
 * @param memoryUpdates    agent-memories: the memories feedback changed
 * @param rolloutControls  router-models: the rollout judge's automatic rollbacks; null runs no judge
 */
public record RouterEndpoints(
        Source<RawRecord, ?, ?> queries,
        Source<byte[], ?, ?> models,
        Source<RawRecord, ?, ?> feedback,
        Source<RawRecord, ?, ?> memories,
        Sink<KafkaMessage> decisions,
        Sink<KafkaMessage> metrics,
        Sink<KafkaMessage> deadLetters,
        Sink<KafkaMessage> modelEvents,
        Sink<KafkaMessage> health,
        Sink<KafkaMessage> memoryUpdates,
        Sink<KafkaMessage> rolloutControls) {}
