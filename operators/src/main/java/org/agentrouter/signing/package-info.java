/**
 * Signed releases: Ed25519 keys, the signing of releases and controls ({@code ModelSigner}), and the trusted
 * keys ({@code TrustedModelKeys}) whose signatures the model slots require and the rollout judge signs with.
 */
package org.agentrouter.signing;
