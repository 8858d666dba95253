/**
 * Stage <b>score</b>: one release's ONNX Runtime session ({@code OnnxScorer}, {@code ServedModel}), the checks
 * a release's content passes before it serves (checksum, layout, the graph check {@code OnnxGraphCheck}, the tensor
 * contract, a dry run; {@code VersionRules}) and the scoring of one query ({@code QueryScoring}).
 */
package org.agentrouter.scoring;
