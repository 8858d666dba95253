/**
 * Commands for the model's owners: build-seed-model, calibrate, train, train-relevance, eval, eval-context, replay,
 * publish-model, models, rollout (and rollout report), rollback, model-key; eval-context's path through the job ({@code ContextThroughJob}).
 */
package org.agentrouter.cli.model;
