/*
 * embedlab.scoring._rank_kernel: the element-wise work of the retrieval rank pass in one read
 * of each score (optional C extension; embedlab.scoring._fused_pass is its only caller, and
 * embedlab falls back to its numpy pass when this is not built).
 *
 * scan() takes a block S (m x n float32, C-contiguous): m caption rows against n image columns
 * (a column range of the whole score matrix). For row c, col[c] is the column of its positive
 * in this block, or -1 when the positive lies in another block; then [row_lo[c], row_hi[c]]
 * brackets the positive's score g_c, known only to that other block. The scan adds
 *
 *   col[c] >= 0:  positive[c] = g_c = S[c, col[c]];   rank[c] += #{j : S[c, j] >= g_c}
 *   col[c] <  0:  rank[c] += #{j : S[c, j] >= row_hi[c]};
 *                 band_r  += (c, S[c, j]) for row_lo[c] <= S[c, j] < row_hi[c]
 *   above[j] += #{c : S[c, j] >= hi[j], j != col[c]}
 *   band     += (j, S[c, j]) for lo[j] <= S[c, j] < hi[j], j != col[c]
 *
 * and, for rows with first[c] != 0, the column counts against (lo_s, hi_s) into above_s and
 * band_s. The caller resolves the band lists once the exact thresholds are known
 * (embedlab.scoring._deferred): a band score counts iff it is >= the threshold. Comparisons
 * are IEEE float32 (never build with -ffast-math); inputs are finite (checked by the caller).
 * The band lists have a capacity; a row is started only when each list has room for a whole
 * row (n entries), so a call may stop early and returns the row it stopped at: the caller
 * takes the lists and calls again from there (no row is counted twice).
 *
 * Loops: on x86-64 with GCC or clang, an AVX-512F loop (16 columns a step, comparisons into
 * mask registers, one mask test a step for the rare band score) when the CPU has it; otherwise
 * branch-free portable loops the compiler vectorises (AVX2 and baseline clones chosen at load
 * time with GCC on Linux), band scores then picked from a byte mask. The GIL is released while
 * a block is scanned, so threads scan their blocks at once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    defined(__GLIBC__)
#define EMBEDLAB_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define EMBEDLAB_HAVE_CLONES 1
#else
#define EMBEDLAB_CLONES
#define EMBEDLAB_HAVE_CLONES 0
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#define EMBEDLAB_HAVE_AVX512 1
#else
#define EMBEDLAB_HAVE_AVX512 0
#endif

/* 1: the AVX-512 loop when the CPU has it; 0: the portable loops (tests compare the two). */
static int use_avx512 = 1;

typedef struct {
    int32_t *idx; /* column (band, band_s) or row (band_r) */
    float *vals;
    Py_ssize_t n, cap;
} Band;

static inline void push(Band *band, Py_ssize_t idx, float v) {
    band->idx[band->n] = (int32_t)idx;
    band->vals[band->n] = v;
    band->n++;
}

/* Mask bits of the portable loops. */
#define BIT_COL 1
#define BIT_SYM 2
#define BIT_ROW 4

/* One row, one column threshold set: returns #{j : s[j] >= thi}; mask marks band scores of
 * the columns (BIT_COL) and of the row (BIT_ROW: tlo <= s < thi). Branch-free (vectorised). */
EMBEDLAB_CLONES
static int32_t row_one(const float *restrict s, Py_ssize_t n, float tlo, float thi,
                       const float *restrict lo, const float *restrict hi,
                       int32_t *restrict above, uint8_t *restrict mask) {
    int32_t rank = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        float v = s[j];
        int ge = v >= thi;
        rank += ge;
        above[j] += v >= hi[j];
        mask[j] = (uint8_t)(((v >= lo[j]) & (v < hi[j])) | (((v >= tlo) & !ge) << 2));
    }
    return rank;
}

/* The same with the second column threshold set (a first caption; BIT_SYM). */
EMBEDLAB_CLONES
static int32_t row_two(const float *restrict s, Py_ssize_t n, float tlo, float thi,
                       const float *restrict lo, const float *restrict hi,
                       int32_t *restrict above, const float *restrict lo_s,
                       const float *restrict hi_s, int32_t *restrict above_s,
                       uint8_t *restrict mask) {
    int32_t rank = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        float v = s[j];
        int ge = v >= thi;
        rank += ge;
        above[j] += v >= hi[j];
        above_s[j] += v >= hi_s[j];
        mask[j] = (uint8_t)(((v >= lo[j]) & (v < hi[j])) |
                            (((v >= lo_s[j]) & (v < hi_s[j])) << 1) | (((v >= tlo) & !ge) << 2));
    }
    return rank;
}

/* Push the scores of one row marked with `bit` (eight columns skipped at a time where the mask
 * is zero): as (offset + column) for column bands, as `row` for the row band; the positive
 * column `p` is never a column-band entry. */
static void collect(const float *s, const uint8_t *mask, Py_ssize_t n, Py_ssize_t p,
                    Py_ssize_t offset, uint8_t bit, Py_ssize_t row, Band *band) {
    for (Py_ssize_t j0 = 0; j0 < n; j0 += 8) {
        Py_ssize_t j1 = j0 + 8 <= n ? j0 + 8 : n;
        if (j1 - j0 == 8) {
            uint64_t word;
            memcpy(&word, mask + j0, 8);
            if (!word) continue;
        }
        for (Py_ssize_t j = j0; j < j1; j++) {
            if (!(mask[j] & bit)) continue;
            if (row >= 0) {
                push(band, row, s[j]);
            } else if (j != p) {
                push(band, offset + j, s[j]);
            }
        }
    }
}

#if EMBEDLAB_HAVE_AVX512
#include <immintrin.h>

/* Column-band scores of one 16-column step (bits of `bits`), the positive column excepted. */
static void emit_cols(const float *s, Py_ssize_t j0, uint32_t bits, Py_ssize_t p, Band *band) {
    while (bits) {
        Py_ssize_t j = j0 + __builtin_ctz(bits);
        bits &= bits - 1;
        if (j != p) push(band, j, s[j]);
    }
}

static void emit_row(const float *s, Py_ssize_t j0, uint32_t bits, Py_ssize_t row, Band *band) {
    while (bits) {
        Py_ssize_t j = j0 + __builtin_ctz(bits);
        bits &= bits - 1;
        push(band, row, s[j]);
    }
}

/* One 16-column step of the column counts for one threshold set. */
#define EMBEDLAB_COLUMNS(V, J, LO, HI, ABOVE, BAND)                                             \
    do {                                                                                       \
        __mmask16 h_ = _mm512_cmp_ps_mask(V, _mm512_loadu_ps(HI + J), _CMP_GE_OQ);             \
        __mmask16 l_ = _mm512_cmp_ps_mask(V, _mm512_loadu_ps(LO + J), _CMP_GE_OQ);             \
        __m512i a_ = _mm512_loadu_si512((const void *)(ABOVE + J));                             \
        _mm512_storeu_si512((void *)(ABOVE + J), _mm512_mask_add_epi32(a_, h_, a_, one));       \
        uint32_t b_ = (uint32_t)(l_ & (__mmask16)~h_); /* lo <= v < hi, as hi > lo */          \
        if (b_) emit_cols(s, J, b_, p, BAND);                                                  \
    } while (0)

/* The AVX-512 scan of one row's full 16-column steps; returns the first column it left to
 * the portable loops and adds #{j < that : s[j] >= thi} to *rank. `row_band`: also push the
 * row's band scores (tlo <= s < thi). `two`: the second column threshold set. */
__attribute__((target("avx512f,popcnt")))
static Py_ssize_t row_avx512(const float *s, Py_ssize_t n, float tlo, float thi, Py_ssize_t p,
                             Py_ssize_t row, int row_band, const float *lo, const float *hi,
                             int32_t *above, Band *band, int two, const float *lo_s,
                             const float *hi_s, int32_t *above_s, Band *band_s, Band *band_r,
                             int32_t *rank) {
    const __m512 tlo_v = _mm512_set1_ps(tlo), thi_v = _mm512_set1_ps(thi);
    const __m512i one = _mm512_set1_epi32(1);
    int32_t count = 0;
    Py_ssize_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 v = _mm512_loadu_ps(s + j);
        __mmask16 ge = _mm512_cmp_ps_mask(v, thi_v, _CMP_GE_OQ);
        count += __builtin_popcount(ge);
        if (row_band) {
            uint32_t rb = (uint32_t)(_mm512_cmp_ps_mask(v, tlo_v, _CMP_GE_OQ) & (__mmask16)~ge);
            if (rb) emit_row(s, j, rb, row, band_r);
        }
        EMBEDLAB_COLUMNS(v, j, lo, hi, above, band);
        if (two) EMBEDLAB_COLUMNS(v, j, lo_s, hi_s, above_s, band_s);
    }
    *rank = count;
    return j;
}
#endif

static int has_avx512(void) {
#if EMBEDLAB_HAVE_AVX512
    __builtin_cpu_init();
    return use_avx512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
#else
    return 0;
#endif
}

static int check(Py_buffer *b, Py_ssize_t items, Py_ssize_t itemsize, const char *name) {
    if (b->itemsize != itemsize || b->len != items * itemsize) {
        PyErr_Format(PyExc_ValueError, "_rank_kernel.scan: %s has %zd bytes of %zd-byte items, "
                     "expected %zd items of %zd bytes", name, b->len, b->itemsize, items, itemsize);
        return 0;
    }
    return 1;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer S, col, first, row_lo, row_hi, lo, hi, lo_s, hi_s, positive, rank, above, above_s;
    Py_buffer bi, bv, bi_s, bv_s, bi_r, bv_r;
    Py_ssize_t m, n, start;
    if (!PyArg_ParseTuple(args, "y*nny*y*y*y*y*y*y*y*w*w*w*w*w*w*w*w*w*w*n", &S, &m, &n, &col,
                          &first, &row_lo, &row_hi, &lo, &hi, &lo_s, &hi_s, &positive, &rank,
                          &above, &above_s, &bi, &bv, &bi_s, &bv_s, &bi_r, &bv_r, &start))
        return NULL;
    Py_buffer *all[] = {&S,     &col,  &first, &row_lo, &row_hi, &lo,   &hi,
                        &lo_s,  &hi_s, &positive, &rank, &above, &above_s, &bi,
                        &bv,    &bi_s, &bv_s,  &bi_r,   &bv_r};
    PyObject *out = NULL;
    uint8_t *mask = NULL;
    Py_ssize_t cap = bi.len / 4, cap_s = bi_s.len / 4, cap_r = bi_r.len / 4;
    if (m < 0 || n < 1 || n > INT32_MAX || m > INT32_MAX || start < 0 || start > m) {
        PyErr_SetString(PyExc_ValueError, "_rank_kernel.scan: bad m, n or start");
        goto done;
    }
    if (!check(&S, m * n, 4, "scores") || !check(&col, m, 8, "col") ||
        !check(&first, m, 1, "first") || !check(&row_lo, m, 4, "row_lo") ||
        !check(&row_hi, m, 4, "row_hi") || !check(&lo, n, 4, "lo") || !check(&hi, n, 4, "hi") ||
        !check(&lo_s, n, 4, "lo_s") || !check(&hi_s, n, 4, "hi_s") ||
        !check(&positive, m, 4, "positive") || !check(&rank, m, 8, "rank") ||
        !check(&above, n, 4, "above") || !check(&above_s, n, 4, "above_s") ||
        !check(&bi, cap, 4, "band cols") || !check(&bv, cap, 4, "band vals") ||
        !check(&bi_s, cap_s, 4, "band_s cols") || !check(&bv_s, cap_s, 4, "band_s vals") ||
        !check(&bi_r, cap_r, 4, "band_r rows") || !check(&bv_r, cap_r, 4, "band_r vals"))
        goto done;
    if (cap < n || cap_s < n || cap_r < n) {
        PyErr_SetString(PyExc_ValueError, "_rank_kernel.scan: band lists need room for a row");
        goto done;
    }
    const int64_t *cols = col.buf;
    for (Py_ssize_t c = 0; c < m; c++) {
        if (cols[c] < -1 || cols[c] >= n) {
            PyErr_Format(PyExc_ValueError, "_rank_kernel.scan: col[%zd] out of range", c);
            goto done;
        }
    }
    mask = PyMem_Malloc((size_t)n);
    if (mask == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Band band = {bi.buf, bv.buf, 0, cap}, band_s = {bi_s.buf, bv_s.buf, 0, cap_s};
    Band band_r = {bi_r.buf, bv_r.buf, 0, cap_r};
    const float *s = S.buf, *l = lo.buf, *h = hi.buf, *ls = lo_s.buf, *hs = hi_s.buf;
    const float *rlo = row_lo.buf, *rhi = row_hi.buf;
    const uint8_t *is_first = first.buf;
    float *pos = positive.buf;
    int64_t *rk = rank.buf;
    int32_t *ab = above.buf, *ab_s = above_s.buf;
    int avx512 = has_avx512();
    Py_ssize_t c = start;
    Py_BEGIN_ALLOW_THREADS
    for (; c < m; c++) {
        if (band.cap - band.n < n || band_s.cap - band_s.n < n || band_r.cap - band_r.n < n)
            break;
        const float *row = s + c * n;
        Py_ssize_t p = (Py_ssize_t)cols[c];
        float tlo, thi;
        if (p >= 0) { /* the positive is here: exact; it never counts in its own column */
            tlo = thi = pos[c] = row[p];
            ab[p] -= thi >= h[p];
            if (is_first[c]) ab_s[p] -= thi >= hs[p];
        } else {
            tlo = rlo[c];
            thi = rhi[c];
        }
        Py_ssize_t j0 = 0;
        int32_t head = 0;
#if EMBEDLAB_HAVE_AVX512
        if (avx512)
            j0 = row_avx512(row, n, tlo, thi, p, c, p < 0, l, h, ab, &band, is_first[c], ls, hs,
                            ab_s, &band_s, &band_r, &head);
#endif
        /* the portable loops on columns j0..n-1 (all of them without AVX-512) */
        const float *rest = row + j0;
        Py_ssize_t n_rest = n - j0, p_rest = p - j0;
        if (is_first[c]) {
            rk[c] += head + row_two(rest, n_rest, tlo, thi, l + j0, h + j0, ab + j0, ls + j0,
                                    hs + j0, ab_s + j0, mask);
            collect(rest, mask, n_rest, p_rest, j0, BIT_SYM, -1, &band_s);
        } else {
            rk[c] += head + row_one(rest, n_rest, tlo, thi, l + j0, h + j0, ab + j0, mask);
        }
        collect(rest, mask, n_rest, p_rest, j0, BIT_COL, -1, &band);
        if (p < 0) collect(rest, mask, n_rest, p_rest, j0, BIT_ROW, c, &band_r);
    }
    Py_END_ALLOW_THREADS
    out = Py_BuildValue("nnnn", c, band.n, band_s.n, band_r.n);
done:
    PyMem_Free(mask);
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) PyBuffer_Release(all[k]);
    return out;
}

static PyObject *isa(PyObject *self, PyObject *noargs) {
    if (has_avx512()) return PyUnicode_FromString("avx512f");
#if EMBEDLAB_HAVE_CLONES
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) return PyUnicode_FromString("avx2");
#endif
    return PyUnicode_FromString("baseline");
}

static PyObject *set_avx512(PyObject *self, PyObject *arg) {
    int flag = PyObject_IsTrue(arg);
    if (flag < 0) return NULL;
    use_avx512 = flag;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(scores, m, n, col, first, row_lo, row_hi, lo, hi, lo_s, hi_s, positive, rank, "
     "above, above_s, band_cols, band_vals, band_s_cols, band_s_vals, band_r_rows, band_r_vals, "
     "start) -> (stop, n_band, n_band_s, n_band_r)"},
    {"isa", isa, METH_NOARGS, "The instruction set the scan loops run with."},
    {"set_avx512", set_avx512, METH_O,
     "Allow (True, the default) or forbid the AVX-512 loop; tests compare both paths."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rank_kernel",
    "Fused element-wise work of the retrieval rank pass (see the C source's header).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rank_kernel(void) { return PyModule_Create(&module); }
