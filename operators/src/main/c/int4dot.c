/*
 * The 4-bit first pass (Int4Codes rows against an int8 query) on AVX2's vpmaddubsw, for NativeInt4Dot.
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
 * The kernel is compiled for AVX2 by function attribute; agentrouter_int4_supported() tells the JVM whether
 * this CPU has it, so the library loads anywhere and is only used where it can run.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

#define CHUNK 64

#if defined(__x86_64__)
#include <immintrin.h>

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
static int dot(const uint8_t *codes, jint rowCount, jint from, jint to, const jint *list, jint n, const jshort *q,
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
        const uint8_t *row = codes + (size_t) r * row_bytes;
        out[i] = dot_row(row, chunks, qlo, qhi) - correction + tail(row, vector_dim, q, dim);
    }
    if (qlo != stack_lo) { free(qlo); free(qhi); }
    return status;
}
#endif

JNIEXPORT jboolean JNICALL Java_org_agentrouter_memory_NativeInt4Dot_supported0(JNIEnv *env, jclass cls) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? JNI_TRUE : JNI_FALSE;
#else
    return JNI_FALSE;
#endif
}

/* The caller (NativeInt4Dot) has checked from, to, dim and the array lengths; listed rows are checked here. */
JNIEXPORT jint JNICALL Java_org_agentrouter_memory_NativeInt4Dot_dot0(JNIEnv *env, jclass cls, jbyteArray codes,
        jint rowCount, jint from, jint to, jintArray rows, jint n, jshortArray query, jint dim, jintArray out) {
#if defined(__x86_64__)
    /* Critical sections: no copies of the codes; they last one block of rows (microseconds). */
    jbyte *c = (*env)->GetPrimitiveArrayCritical(env, codes, NULL);
    jshort *q = (*env)->GetPrimitiveArrayCritical(env, query, NULL);
    jint *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    jint *l = rows == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    int status = (c == NULL || q == NULL || o == NULL || (rows != NULL && l == NULL))
            ? -2 : dot((const uint8_t *) c, rowCount, from, to, l, n, q, dim, o);
    if (l != NULL) (*env)->ReleasePrimitiveArrayCritical(env, rows, l, JNI_ABORT);
    if (o != NULL) (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    if (q != NULL) (*env)->ReleasePrimitiveArrayCritical(env, query, q, JNI_ABORT);
    if (c != NULL) (*env)->ReleasePrimitiveArrayCritical(env, codes, c, JNI_ABORT);
    return status;
#else
    return -3;
#endif
}
