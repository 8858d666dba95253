/*
 * The index's quantized scans on AVX2's vpmaddubsw: the 4-bit pass (Int4Codes rows against an int8 query, for
 * NativeInt4Dot) and the 2-bit coarse pass (Int2Codes rows, for NativeInt2Dot).
 *
 * Why native: vpmaddubsw multiplies 32 unsigned bytes by 32 signed bytes and adds the pairs into 16-bit
 * lanes in one instruction. The JDK 17 Vector API cannot express it, so VectorInt4Dot widens to 16-bit
 * lanes and spends 4 multiplies and 4 adds per 64 components where this spends 4 vpmaddubsw and 3 adds.
 *
 * Layout (Int4Codes): per chunk of 64 components, 32 bytes; byte 2j + h holds component 32h + j in its low
 * nibble and 32h + 16 + j in its high nibble, as u = level + 8 in [0, 15]. So the low nibbles of a chunk
 * meet the query permuted as qlo[2j + h] = q[32h + j], the high nibbles qhi[2j + h] = q[32h + 16 + j], and
 * the dot product of the levels is sum(u * q) - 8 * sum(q). Pair sums are at most 2 * 15 * 127 = 3,810, so
 * the four vpmaddubsw results of two chunks fit a 16-bit lane (15,240) before vpmaddwd widens them.
 * Components past the last full chunk (none at 384-d) are added one by one, two per byte.
 *
 * 2-bit layout (Int2Codes): per chunk of 128 components, 32 bytes; byte 2j + h holds component 64h + 16p + j in
 * bits [2p, 2p + 2), p = 0..3, as a code c in [0, 3]. So (x >> 2p) & 3 over the chunk's bytes meets the query
 * permuted as qp[2j + h] = q[64h + 16p + j], and the kernel returns sum(c * q) (the caller owns the offset).
 * The four vpmaddubsw of a chunk add at most 4 * 2 * 3 * 127 = 3,048 per 16-bit lane before vpmaddwd widens.
 * Components past the last full chunk are added one by one, four per byte.
 *
 * The kernels are compiled for AVX2 by function attribute; NativeKernels.supported0() tells the JVM whether
 * this CPU has it, so the library loads anywhere and is only used where it can run.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

#define CHUNK 64

#if defined(__x86_64__)
#include <immintrin.h>

/*
 * A listed scan (the coarse pass's sample, the coarse shortlist, the filter's passing rows) jumps between rows, so the hardware
 * prefetcher cannot follow it: each row's lines are requested this many rows ahead, so their misses overlap.
 */
#define PREFETCH_ROWS 8

static inline void prefetch_row(const uint8_t *codes, jint rowCount, jint r, int row_bytes) {
    if (r < 0 || r >= rowCount) return; /* reported when the row's turn comes */
    const uint8_t *row = codes + (size_t) r * row_bytes;
    for (int b = 0; b < row_bytes; b += 64) __builtin_prefetch(row + b);
    __builtin_prefetch(row + row_bytes - 1);
}

static void permute_query(const jshort *q, int dim, int8_t *qlo, int8_t *qhi, int32_t *correction) {
    int vector_dim = dim - dim % CHUNK;
    int32_t sum = 0;
    for (int c = 0; c < vector_dim; c += CHUNK) {
        for (int j = 0; j < 16; j++) {
            for (int h = 0; h < 2; h++) {
                qlo[c / 2 + 2 * j + h] = (int8_t) q[c + 32 * h + j];
                qhi[c / 2 + 2 * j + h] = (int8_t) q[c + 32 * h + 16 + j];
            }
        }
    }
    for (int i = 0; i < vector_dim; i++) sum += q[i];
    *correction = 8 * sum;
}

static int32_t tail(const uint8_t *row, int vector_dim, const jshort *q, int dim) {
    int32_t s = 0;
    const uint8_t *b = row + vector_dim / 2;
    for (int i = vector_dim; i < dim; i++) {
        int t = i - vector_dim;
        int nibble = (b[t / 2] >> ((t & 1) << 2)) & 0xF;
        s += (nibble - 8) * q[i];
    }
    return s;
}

__attribute__((target("avx2")))
static inline int32_t hsum(__m256i v) {
    __m128i a = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4e));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xb1));
    return _mm_cvtsi128_si32(a);
}

__attribute__((target("avx2")))
static int32_t dot_row(const uint8_t *row, int chunks, const int8_t *qlo, const int8_t *qhi) {
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    int c = 0;
    for (; c + 2 <= chunks; c += 2) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *) (row + 32 * c));
        __m256i x1 = _mm256_loadu_si256((const __m256i *) (row + 32 * c + 32));
        __m256i s = _mm256_add_epi16(
                _mm256_maddubs_epi16(_mm256_and_si256(x0, low), _mm256_loadu_si256((const __m256i *) (qlo + 32 * c))),
                _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x0, 4), low), _mm256_loadu_si256((const __m256i *) (qhi + 32 * c))));
        s = _mm256_add_epi16(s, _mm256_add_epi16(
                _mm256_maddubs_epi16(_mm256_and_si256(x1, low), _mm256_loadu_si256((const __m256i *) (qlo + 32 * c + 32))),
                _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x1, 4), low), _mm256_loadu_si256((const __m256i *) (qhi + 32 * c + 32)))));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, ones));
    }
    if (c < chunks) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *) (row + 32 * c));
        __m256i s = _mm256_add_epi16(
                _mm256_maddubs_epi16(_mm256_and_si256(x0, low), _mm256_loadu_si256((const __m256i *) (qlo + 32 * c))),
                _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x0, 4), low), _mm256_loadu_si256((const __m256i *) (qhi + 32 * c))));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, ones));
    }
    return hsum(acc);
}

/* Rows are either [from, to) (list == NULL) or list[0..n). Returns 0, or -1 when a listed row is out of range. */
static int dot4(const uint8_t *codes, jint rowCount, jint from, jint to, const jint *list, jint n, const jshort *q,
               jint dim, jint *out) {
    int chunks = dim / CHUNK;
    int vector_dim = chunks * CHUNK;
    int row_bytes = (dim + 1) / 2;
    int8_t stack_lo[2048], stack_hi[2048];
    int8_t *qlo = stack_lo, *qhi = stack_hi;
    if (vector_dim / 2 > 2048) {
        qlo = malloc(vector_dim / 2);
        qhi = malloc(vector_dim / 2);
        if (qlo == NULL || qhi == NULL) { free(qlo); free(qhi); return -2; }
    }
    int32_t correction;
    permute_query(q, dim, qlo, qhi, &correction);
    int count = list == NULL ? to - from : n;
    int status = 0;
    for (int i = 0; i < count; i++) {
        jint r = list == NULL ? from + i : list[i];
        if (r < 0 || r >= rowCount) { status = -1; break; }
        if (list != NULL && i + PREFETCH_ROWS < n) prefetch_row(codes, rowCount, list[i + PREFETCH_ROWS], row_bytes);
        const uint8_t *row = codes + (size_t) r * row_bytes;
        out[i] = dot_row(row, chunks, qlo, qhi) - correction + tail(row, vector_dim, q, dim);
    }
    if (qlo != stack_lo) { free(qlo); free(qhi); }
    return status;
}

#define CHUNK2 128

static void permute_query2(const jshort *q, int dim, int8_t *qp) {
    int vector_dim = dim - dim % CHUNK2;
    for (int c = 0; c < vector_dim; c += CHUNK2) {
        for (int p = 0; p < 4; p++) {
            for (int j = 0; j < 16; j++) {
                for (int h = 0; h < 2; h++) {
                    qp[c + 32 * p + 2 * j + h] = (int8_t) q[c + 64 * h + 16 * p + j];
                }
            }
        }
    }
}

static int32_t tail2(const uint8_t *row, int vector_dim, const jshort *q, int dim) {
    int32_t s = 0;
    const uint8_t *b = row + vector_dim / 4;
    for (int i = vector_dim; i < dim; i++) {
        int t = i - vector_dim;
        s += ((b[t / 4] >> (2 * (t & 3))) & 3) * q[i];
    }
    return s;
}

/* The 16-bit lane sums of one 2-bit chunk: four vpmaddubsw of at most 762 per lane each (3,048 per chunk). */
__attribute__((target("avx2")))
static inline __m256i chunk2(__m256i x, const int8_t *q) {
    const __m256i mask = _mm256_set1_epi8(0x03);
    __m256i s = _mm256_add_epi16(
            _mm256_maddubs_epi16(_mm256_and_si256(x, mask), _mm256_loadu_si256((const __m256i *) q)),
            _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 2), mask), _mm256_loadu_si256((const __m256i *) (q + 32))));
    return _mm256_add_epi16(s, _mm256_add_epi16(
            _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 4), mask), _mm256_loadu_si256((const __m256i *) (q + 64))),
            _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 6), mask), _mm256_loadu_si256((const __m256i *) (q + 96)))));
}

/* Chunks summed in 16-bit lanes before vpmaddwd widens them: 10 * 3,048 < 2^15. */
#define GROUP2 10

__attribute__((target("avx2")))
static int32_t dot_row2(const uint8_t *row, int chunks, const int8_t *qp) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    for (int g = 0; g < chunks; g += GROUP2) {
        int end = g + GROUP2 < chunks ? g + GROUP2 : chunks;
        __m256i s = _mm256_setzero_si256();
        for (int c = g; c < end; c++) {
            s = _mm256_add_epi16(s, chunk2(_mm256_loadu_si256((const __m256i *) (row + 32 * c)), qp + 128 * c));
        }
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, ones));
    }
    return hsum(acc);
}

/*
 * Four rows at a time, for rows of at most GROUP2 chunks (384-d: 3): the query's vectors are loaded once for
 * the four, each row's chunks add up in 16-bit lanes, and one horizontal sum serves the four rows.
 */
__attribute__((target("avx2")))
static void dot_rows2x4(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, const uint8_t *r3, int chunks,
                        const int8_t *qp, jint *out) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (int c = 0; c < chunks; c++) {
        const int8_t *q = qp + 128 * c;
        s0 = _mm256_add_epi16(s0, chunk2(_mm256_loadu_si256((const __m256i *) (r0 + 32 * c)), q));
        s1 = _mm256_add_epi16(s1, chunk2(_mm256_loadu_si256((const __m256i *) (r1 + 32 * c)), q));
        s2 = _mm256_add_epi16(s2, chunk2(_mm256_loadu_si256((const __m256i *) (r2 + 32 * c)), q));
        s3 = _mm256_add_epi16(s3, chunk2(_mm256_loadu_si256((const __m256i *) (r3 + 32 * c)), q));
    }
    /* Widen, then hadd pairs: lanes end as (row 0, 1, 2, 3) sums per 128-bit half. */
    __m256i a = _mm256_hadd_epi32(_mm256_madd_epi16(s0, ones), _mm256_madd_epi16(s1, ones));
    __m256i b = _mm256_hadd_epi32(_mm256_madd_epi16(s2, ones), _mm256_madd_epi16(s3, ones));
    __m256i ab = _mm256_hadd_epi32(a, b);
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(ab), _mm256_extracti128_si256(ab, 1));
    _mm_storeu_si128((__m128i *) out, sum);
}

/* As dot4, for 2-bit rows: out = sum(c * q). */
static int dot2(const uint8_t *codes, jint rowCount, jint from, jint to, const jint *list, jint n, const jshort *q,
                jint dim, jint *out) {
    int chunks = dim / CHUNK2;
    int vector_dim = chunks * CHUNK2;
    int row_bytes = (dim + 3) / 4;
    int8_t stack_qp[4096];
    int8_t *qp = stack_qp;
    if (vector_dim > 4096) {
        qp = malloc(vector_dim);
        if (qp == NULL) return -2;
    }
    permute_query2(q, dim, qp);
    int count = list == NULL ? to - from : n;
    int status = 0;
    int i = 0;
    if (list == NULL && chunks <= GROUP2) {
        /* The full scan: rows are contiguous and in range (checked by the caller). */
        for (; i + 4 <= count; i += 4) {
            const uint8_t *row = codes + (size_t) (from + i) * row_bytes;
            dot_rows2x4(row, row + row_bytes, row + 2 * row_bytes, row + 3 * row_bytes, chunks, qp, out + i);
            if (vector_dim < dim) {
                for (int j = 0; j < 4; j++) out[i + j] += tail2(row + j * row_bytes, vector_dim, q, dim);
            }
        }
    }
    for (; i < count; i++) {
        jint r = list == NULL ? from + i : list[i];
        if (r < 0 || r >= rowCount) { status = -1; break; }
        if (list != NULL && i + PREFETCH_ROWS < n) prefetch_row(codes, rowCount, list[i + PREFETCH_ROWS], row_bytes);
        const uint8_t *row = codes + (size_t) r * row_bytes;
        if (list != NULL && chunks <= GROUP2 && i + 4 <= count && r <= rowCount - 4 && list[i + 1] == r + 1
                && list[i + 2] == r + 2 && list[i + 3] == r + 3) {
            /* Four consecutive listed rows (the coarse pass's sample comes in blocks): the four-row kernel. */
            if (i + 3 + PREFETCH_ROWS < n) prefetch_row(codes, rowCount, list[i + 3 + PREFETCH_ROWS], row_bytes);
            dot_rows2x4(row, row + row_bytes, row + 2 * row_bytes, row + 3 * row_bytes, chunks, qp, out + i);
            if (vector_dim < dim) {
                for (int j = 0; j < 4; j++) out[i + j] += tail2(row + j * row_bytes, vector_dim, q, dim);
            }
            i += 3;
            continue;
        }
        out[i] = dot_row2(row, chunks, qp) + tail2(row, vector_dim, q, dim);
    }
    if (qp != stack_qp) free(qp);
    return status;
}

typedef int (*dot_fn)(const uint8_t *, jint, jint, jint, const jint *, jint, const jshort *, jint, jint *);
#endif

JNIEXPORT jboolean JNICALL Java_org_agentrouter_memory_kernels_NativeKernels_supported0(JNIEnv *env, jclass cls) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? JNI_TRUE : JNI_FALSE;
#else
    return JNI_FALSE;
#endif
}

/* Pins the arrays (no copies of the codes; a critical section lasts one block of rows, microseconds) and runs fn.
 * The caller (NativeInt4Dot, NativeInt2Dot) has checked from, to, dim and the array lengths; listed rows are
 * checked by fn. */
#if defined(__x86_64__)
static jint pinned(JNIEnv *env, dot_fn fn, jbyteArray codes, jint rowCount, jint from, jint to, jintArray rows, jint n,
                   jshortArray query, jint dim, jintArray out) {
    jbyte *c = (*env)->GetPrimitiveArrayCritical(env, codes, NULL);
    jshort *q = (*env)->GetPrimitiveArrayCritical(env, query, NULL);
    jint *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    jint *l = rows == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    int status = (c == NULL || q == NULL || o == NULL || (rows != NULL && l == NULL))
            ? -2 : fn((const uint8_t *) c, rowCount, from, to, l, n, q, dim, o);
    if (l != NULL) (*env)->ReleasePrimitiveArrayCritical(env, rows, l, JNI_ABORT);
    if (o != NULL) (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    if (q != NULL) (*env)->ReleasePrimitiveArrayCritical(env, query, q, JNI_ABORT);
    if (c != NULL) (*env)->ReleasePrimitiveArrayCritical(env, codes, c, JNI_ABORT);
    return status;
}
#endif

JNIEXPORT jint JNICALL Java_org_agentrouter_memory_kernels_NativeInt4Dot_dot0(JNIEnv *env, jclass cls, jbyteArray codes,
        jint rowCount, jint from, jint to, jintArray rows, jint n, jshortArray query, jint dim, jintArray out) {
#if defined(__x86_64__)
    return pinned(env, dot4, codes, rowCount, from, to, rows, n, query, dim, out);
#else
    return -3;
#endif
}

JNIEXPORT jint JNICALL Java_org_agentrouter_memory_kernels_NativeInt2Dot_dot0(JNIEnv *env, jclass cls, jbyteArray codes,
        jint rowCount, jint from, jint to, jintArray rows, jint n, jshortArray query, jint dim, jintArray out) {
#if defined(__x86_64__)
    return pinned(env, dot2, codes, rowCount, from, to, rows, n, query, dim, out);
#else
    return -3;
#endif
}
