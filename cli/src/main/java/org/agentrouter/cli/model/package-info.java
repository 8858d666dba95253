/**
 * Commands for the model's owners: build-seed-model, calibrate, train, eval, replay, publish-model, models,
 * rollout, rollback, model-key.
 */
package org.agentrouter.cli.model;
