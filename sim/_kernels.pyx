# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled versions of the engine's hottest loops, built by Cython when the package is installed.

Each function here does in one pass over the worker columns what the numpy function of the same
name in :mod:`sim.kernels` does in a dozen array operations, and gives bit-identical results (the
tests compare them on every kernel, and whole runs with and without them). Read :mod:`sim.kernels`
for what they compute; this file only says how, in C.

Three devices recur. Statuses follow no pattern, so scans compare 8 slots per machine word and
visit only the matching ones (``_status_mask``) instead of branching on every slot. Loops over
availability flags are written without branches, for the same reason. Blocks of many random
draws go through a loop the C compiler also builds for AVX-512 (``csw_draw_run``).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy
from libc.math cimport floor, INFINITY

import numpy as np

cdef extern from *:
    """
    /* Compile-time constants: the C compiler can fold them into the loops (module-level cdef
       variables would be reloaded from memory after every store the compiler cannot rule out). */
    #define CSW_GOLDEN 0x9E3779B97F4A7C15ULL
    #define CSW_M1 0xBF58476D1CE4E5B9ULL
    #define CSW_M2 0x94D049BB133111EBULL
    #define CSW_TO_UNIT (1.0 / 9007199254740992.0)  /* 2**-53 */
    #define CSW_BYTES_01 0x0101010101010101ULL
    #define CSW_LOW7 0x7F7F7F7F7F7F7F7FULL
    #define CSW_GATHER 0x0102040810204080ULL  /* moves bit 8j + 7 of a word to bit 56 + j (no carries) */

    /* The draws of sim.rng: the splitmix64 finaliser, twice. */
    static inline uint64_t csw_mix(uint64_t z) {
        z ^= z >> 30; z *= CSW_M1;
        z ^= z >> 27; z *= CSW_M2;
        return z ^ (z >> 31);
    }
    /* One uniform [0, 1) from a counter (id << 12 | sub | (tick + 1) << 44) and a stream key. The
       top 53 bits fit an int64, whose conversion to double is exact (and vectorises). */
    static inline double csw_draw(uint64_t counter, uint64_t key) {
        return (double)(int64_t)(csw_mix(csw_mix(counter * CSW_GOLDEN) ^ key) >> 11) * CSW_TO_UNIT;
    }
    /* The same draw from counter x CSW_GOLDEN (wrapping). The counters of consecutive slots below
       2**32 (id << 12 | high, the id's bits below the tick's) differ by 1 << 12, so their products
       differ by CSW_GOLDEN << 12: the loops over runs of slots add instead of multiplying. */
    static inline double csw_draw_golden(uint64_t product, uint64_t key) {
        return (double)(int64_t)(csw_mix(csw_mix(product) ^ key) >> 11) * CSW_TO_UNIT;
    }
    /* Loops of many draws, compiled twice on x86-64 with GCC 12 or later: for any CPU, and for
       CPUs with AVX-512 (x86-64-v4), which does 8 draws at once. csw_select_isa picks the version at
       import. The arithmetic is on integers, so both give the same bits (tests compare them). */
    #define CSW_RUN_LOOP for (Py_ssize_t j = 0; j < n; j++) out[j] = csw_draw(((uint64_t)(first + j) << 12) | high, key);
    #define CSW_IDS_LOOP for (Py_ssize_t j = 0; j < n; j++) out[j] = csw_draw(((uint64_t)ids[j] << 12) | high, key);
    #define CSW_COUNTERS_LOOP for (Py_ssize_t j = 0; j < n; j++) out[j] = csw_draw(counters[j], key);
    static void csw_draw_run_any(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_RUN_LOOP }
    static void csw_draw_ids_any(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_IDS_LOOP }
    static void csw_draw_counters_any(const uint64_t* counters, Py_ssize_t n, uint64_t key, double* out) { CSW_COUNTERS_LOOP }
    #if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12  /* ISA levels in cpu_supports */
    #define CSW_HAVE_V4 1
    __attribute__((target("arch=x86-64-v4")))
    static void csw_draw_run_v4(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_RUN_LOOP }
    __attribute__((target("arch=x86-64-v4")))
    static void csw_draw_ids_v4(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_IDS_LOOP }
    __attribute__((target("arch=x86-64-v4")))
    static void csw_draw_counters_v4(const uint64_t* counters, Py_ssize_t n, uint64_t key, double* out) { CSW_COUNTERS_LOOP }
    #else
    #define CSW_HAVE_V4 0
    #endif
    /* The monthly exit and search decisions of the slots first, ..., first + n - 1, branch-free
       (so the compiler vectorises them, draws and table look-ups together): flag[j] = 1 if slot
       first + j is permanent (status 1) and decides to leave or to search. The table indices of
       other slots (employer or home -1) are clamped into the tables: their flag is 0 anyway. GCC
       vectorises the table look-ups (gathers) only with 32-bit indices and restrict pointers. The
       slots must be below 2**32 (csw_draw_golden). */
    #define CSW_CLAMP(x, size) ((x) < 0 ? 0 : ((x) < (size) ? (x) : (size) - 1))
    #define CSW_EXIT_LOOP uint64_t start = (((uint64_t)first << 12) | high) * CSW_GOLDEN; \
        for (Py_ssize_t j = 0; j < n; j++) { \
        int64_t i = first + j; \
        int p = pq[i], e = CSW_CLAMP((int)employer[i], ncol); \
        double h = table[((p >= 24) + (p >= 300)) * ncol + e]; \
        double u = csw_draw_golden(start + (uint64_t)j * (CSW_GOLDEN << 12), key); \
        flag[j] = (status[i] == 1) & ((u < h) | (p >= career)); }
    #define CSW_SEARCH_LOOP uint64_t start = (((uint64_t)first << 12) | high) * CSW_GOLDEN; \
        for (Py_ssize_t j = 0; j < n; j++) { \
        int64_t i = first + j; \
        int p = pq[i], e = CSW_CLAMP((int)employer[i], cols), h = CSW_CLAMP((int)home[i], rows); \
        double r = rate[h * row_step + e * col_step]; \
        r = r * ((18 <= p) & (p < 36) ? early : 1.0);  /* x 1.0 is exact */ \
        r = r < 1.0 ? r : 1.0; \
        double u = csw_draw_golden(start + (uint64_t)j * (CSW_GOLDEN << 12), key); \
        flag[j] = (status[i] == 1) & (u < r); }
    #define CSW_EXIT_ARGS const int8_t* restrict status, const int16_t* restrict employer, \
        const int16_t* restrict pq, const double* restrict table, int ncol, int64_t career, int64_t first, \
        Py_ssize_t n, uint64_t high, uint64_t key, uint8_t* restrict flag
    #define CSW_SEARCH_ARGS const int8_t* restrict status, const int16_t* restrict employer, \
        const int16_t* restrict home, const int16_t* restrict pq, const double* restrict rate, int rows, int cols, \
        int row_step, int col_step, double early, int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, \
        uint8_t* restrict flag
    static void csw_exit_flags_any(CSW_EXIT_ARGS) { CSW_EXIT_LOOP }
    static void csw_search_flags_any(CSW_SEARCH_ARGS) { CSW_SEARCH_LOOP }
    #if CSW_HAVE_V4
    __attribute__((target("arch=x86-64-v4"))) static void csw_exit_flags_v4(CSW_EXIT_ARGS) { CSW_EXIT_LOOP }
    __attribute__((target("arch=x86-64-v4"))) static void csw_search_flags_v4(CSW_SEARCH_ARGS) { CSW_SEARCH_LOOP }
    #endif
    /* The record pass over the slots (sim.kernels.record_pass): flag the newly qualified permanent
       workers (before ageing), count the pool, and age the occupied slots by ``step`` (0 or 1). Branch-free
       on bytes and 16-bit words, with restrict pointers, so that the compiler vectorises it. */
    #define CSW_RECORD_LOOP int64_t pool = 0; \
        for (Py_ssize_t first = 0; first < n; first += 4096) { \
            Py_ssize_t stop = first + 4096 < n ? first + 4096 : n; \
            int count = 0; \
            for (Py_ssize_t i = first; i < stop; i++) { \
                int8_t s = status[i]; int16_t p = pq[i]; \
                int16_t alive = (int16_t)(step & -(int16_t)(s != 0)); \
                flag[i] = (int8_t)((s == 1) & (p < 12)); \
                count += (s == 3); \
                pq[i] = (int16_t)(p + alive); \
                tenure[i] = (int16_t)(tenure[i] + alive); } \
            pool += count; } \
        return pool;
    #define CSW_RECORD_ARGS const int8_t* restrict status, int16_t* restrict pq, int16_t* restrict tenure, \
        int8_t* restrict flag, Py_ssize_t n, int16_t step
    static int64_t csw_record_flags_any(CSW_RECORD_ARGS) { CSW_RECORD_LOOP }
    #if CSW_HAVE_V4
    __attribute__((target("arch=x86-64-v4"))) static int64_t csw_record_flags_v4(CSW_RECORD_ARGS) { CSW_RECORD_LOOP }
    #endif
    #define csw_prefetch_write(p) __builtin_prefetch((p), 1)
    #if CSW_HAVE_V4
    #include <immintrin.h>
    /* logit_shift with AVX-512, eight columns at a time: the row's largest available utility (the
       maximum is exact in any order; a tie between 0.0 and -0.0 changes no weight after exp), then
       the available ones less it, and their columns, compressed into ``out`` and ``column``. Each
       store writes eight lanes, so both need 8 entries of room beyond the n x m that can be used. */
    __attribute__((target("arch=x86-64-v4")))
    static Py_ssize_t csw_logit_shift_v4(const double* utility, const uint8_t* available, Py_ssize_t n,
                                         Py_ssize_t m, double* out, int32_t* column, int64_t* count) {
        Py_ssize_t k = 0;
        const __m512d minus_inf = _mm512_set1_pd(-__builtin_inf());
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        for (Py_ssize_t i = 0; i < n; i++) {
            const double* u = utility + i * m;
            const uint8_t* a = available + i * m;
            __m512d t = minus_inf;
            for (Py_ssize_t j = 0; j < m; j += 8) {
                __mmask8 lanes = (__mmask8)(m - j >= 8 ? 0xFF : (1u << (m - j)) - 1);
                __m128i flags = _mm_maskz_loadu_epi8((__mmask16)lanes, a + j);
                __mmask8 on = (__mmask8)_mm_test_epi8_mask(flags, flags);
                t = _mm512_max_pd(_mm512_mask_loadu_pd(minus_inf, on, u + j), t);
            }
            __m512d top = _mm512_set1_pd(_mm512_reduce_max_pd(t));
            Py_ssize_t first = k;
            for (Py_ssize_t j = 0; j < m; j += 8) {
                __mmask8 lanes = (__mmask8)(m - j >= 8 ? 0xFF : (1u << (m - j)) - 1);
                __m128i flags = _mm_maskz_loadu_epi8((__mmask16)lanes, a + j);
                __mmask8 on = (__mmask8)_mm_test_epi8_mask(flags, flags);
                __m512d x = _mm512_maskz_loadu_pd(on, u + j);
                _mm512_storeu_pd(out + k, _mm512_maskz_compress_pd(on, _mm512_sub_pd(x, top)));
                _mm256_storeu_si256((__m256i*)(column + k),
                                    _mm256_maskz_compress_epi32(on, _mm256_add_epi32(iota, _mm256_set1_epi32((int)j))));
                k += __builtin_popcount((unsigned)on);
            }
            count[i] = k - first;
        }
        return k;
    }
    __attribute__((target("arch=x86-64-v4")))
    static Py_ssize_t csw_list_status_v4(const int8_t* status, Py_ssize_t n, int8_t code, int64_t* out,
                                         Py_ssize_t limit, int64_t offset) {
        Py_ssize_t k = 0;
        const __m512i wanted = _mm512_set1_epi8((char)code);
        for (Py_ssize_t base = 0; base < n && k < limit; base += 64) {
            uint64_t mask;
            if (base + 64 <= n) {
                mask = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void*)(status + base)), wanted);
            } else {
                __mmask64 lanes = ((uint64_t)1 << (n - base)) - 1;
                mask = _mm512_mask_cmpeq_epi8_mask(lanes, _mm512_maskz_loadu_epi8(lanes, status + base), wanted);
            }
            while (mask && k < limit) {
                out[k++] = offset + base + __builtin_ctzll(mask);
                mask &= mask - 1;
            }
        }
        return k;
    }
    #endif
    static int csw_v4 = 0;
    /* Use the AVX-512 loops if ``allow``, built, and the CPU has them; returns whether they are used. */
    static int csw_select_isa(int allow) {
    #if CSW_HAVE_V4
        __builtin_cpu_init();
        csw_v4 = allow && __builtin_cpu_supports("x86-64-v4");
    #else
        csw_v4 = 0;
    #endif
        return csw_v4;
    }
    /* draws for the ids first, first + 1, ..., first + n - 1 */
    static void csw_draw_run(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) {
    #if CSW_HAVE_V4
        if (csw_v4) { csw_draw_run_v4(first, n, high, key, out); return; }
    #endif
        csw_draw_run_any(first, n, high, key, out);
    }
    static void csw_exit_flags(CSW_EXIT_ARGS) {
    #if CSW_HAVE_V4
        if (csw_v4) { csw_exit_flags_v4(status, employer, pq, table, ncol, career, first, n, high, key, flag); return; }
    #endif
        csw_exit_flags_any(status, employer, pq, table, ncol, career, first, n, high, key, flag);
    }
    static void csw_search_flags(CSW_SEARCH_ARGS) {
    #if CSW_HAVE_V4
        if (csw_v4) {
            csw_search_flags_v4(status, employer, home, pq, rate, rows, cols, row_step, col_step, early, first, n, high,
                                key, flag);
            return;
        }
    #endif
        csw_search_flags_any(status, employer, home, pq, rate, rows, cols, row_step, col_step, early, first, n, high,
                             key, flag);
    }
    /* The slots below n with status ``code`` (ascending, at most ``limit``), plus ``offset``, into
       ``out``; returns their number. AVX-512 compares 64 statuses at once into a bit mask. Returns -1
       where the AVX-512 version is not in use (the caller's loop does it then). */
    static Py_ssize_t csw_list_status(const int8_t* status, Py_ssize_t n, int8_t code, int64_t* out,
                                      Py_ssize_t limit, int64_t offset) {
    #if CSW_HAVE_V4
        if (csw_v4) return csw_list_status_v4(status, n, code, out, limit, offset);
    #endif
        return -1;
    }
    /* returns -1 where the AVX-512 version is not in use */
    static Py_ssize_t csw_logit_shift(const double* utility, const uint8_t* available, Py_ssize_t n, Py_ssize_t m,
                                      double* out, int32_t* column, int64_t* count) {
    #if CSW_HAVE_V4
        if (csw_v4) return csw_logit_shift_v4(utility, available, n, m, out, column, count);
    #endif
        return -1;
    }
    static int64_t csw_record_flags(CSW_RECORD_ARGS) {
    #if CSW_HAVE_V4
        if (csw_v4) return csw_record_flags_v4(status, pq, tenure, flag, n, step);
    #endif
        return csw_record_flags_any(status, pq, tenure, flag, n, step);
    }
    /* draws for whole counters (id << 12 | sub | (tick + 1) << 44) */
    static void csw_draw_counters(const uint64_t* counters, Py_ssize_t n, uint64_t key, double* out) {
    #if CSW_HAVE_V4
        if (csw_v4) { csw_draw_counters_v4(counters, n, key, out); return; }
    #endif
        csw_draw_counters_any(counters, n, key, out);
    }
    /* draws for the ids ids[0], ..., ids[n - 1] */
    static void csw_draw_ids(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key, double* out) {
    #if CSW_HAVE_V4
        if (csw_v4) { csw_draw_ids_v4(ids, n, high, key, out); return; }
    #endif
        csw_draw_ids_any(ids, n, high, key, out);
    }
    """
    const uint64_t BYTES_01 "CSW_BYTES_01"
    const uint64_t LOW7 "CSW_LOW7"
    const uint64_t GATHER "CSW_GATHER"
    double _draw "csw_draw"(uint64_t counter, uint64_t key) noexcept nogil
    void _draw_run "csw_draw_run"(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) noexcept nogil
    void _draw_ids "csw_draw_ids"(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key,
                                  double* out) noexcept nogil
    void _draw_counters "csw_draw_counters"(const uint64_t* counters, Py_ssize_t n, uint64_t key,
                                            double* out) noexcept nogil
    void _exit_flags "csw_exit_flags"(const int8_t* status, const int16_t* employer, const int16_t* pq,
                                      const double* table, int ncol, int64_t career, int64_t first, Py_ssize_t n,
                                      uint64_t high, uint64_t key, uint8_t* flag) noexcept nogil
    void _search_flags "csw_search_flags"(const int8_t* status, const int16_t* employer, const int16_t* home,
                                          const int16_t* pq, const double* rate, int rows, int cols,
                                          int row_step, int col_step, double early, int64_t first,
                                          Py_ssize_t n, uint64_t high, uint64_t key, uint8_t* flag) noexcept nogil
    int64_t _record_flags "csw_record_flags"(const int8_t* status, int16_t* pq, int16_t* tenure, int8_t* flag,
                                             Py_ssize_t n, int16_t step) noexcept nogil
    Py_ssize_t _list_status_v4 "csw_list_status"(const int8_t* status, Py_ssize_t n, int8_t code, int64_t* out,
                                                  Py_ssize_t limit, int64_t offset) noexcept nogil
    Py_ssize_t _logit_shift_v4 "csw_logit_shift"(const double* utility, const uint8_t* available, Py_ssize_t n,
                                                  Py_ssize_t m, double* out, int32_t* column,
                                                  int64_t* count) noexcept nogil
    int csw_select_isa(int allow)
    int csw_v4  # whether the AVX-512 loops are in use
    int __builtin_ctzll(unsigned long long) nogil  # GCC and Clang: index of the lowest set bit
    void __builtin_prefetch(const void*) nogil  # GCC and Clang: start loading a cache line
    void _prefetch_write "csw_prefetch_write"(const void*) nogil  # (to write it)

cdef enum:  # the status codes of sim.status
    FREE = 0
    PERM = 1
    AGENCY = 2
    POOL = 3


cdef inline uint64_t _status_mask(const int8_t* status, Py_ssize_t base, Py_ssize_t n, int8_t code) noexcept nogil:
    """Bit j set where ``status[base + j] == code``, for the (up to) 64 slots from ``base``.

    Statuses follow no pattern, so a branch per slot is mispredicted often; instead each 8 slots
    are compared at once as one 64-bit word (the high bit of each byte set where it is zero after
    xor with the code), and the 8 high bits are gathered into one byte by a multiplication. The
    caller then visits the set bits only. Assumes a little-endian machine (sim.kernels checks)."""
    cdef uint64_t x, mask = 0, pattern = BYTES_01 * <uint8_t>code
    cdef Py_ssize_t k, i
    if base + 64 <= n:
        for k in range(8):
            memcpy(&x, status + base + 8 * k, 8)
            x ^= pattern
            x = ~(((x & LOW7) + LOW7) | x | LOW7)  # high bit of each byte that was equal
            mask |= (((x >> 7) * GATHER) >> 56) << (8 * k)
    else:
        for i in range(base, n):
            mask |= (<uint64_t>(status[i] == code)) << (i - base)
    return mask


cdef inline Py_ssize_t _list_status(const int8_t* status, Py_ssize_t n, int8_t code, int64_t* out,
                                    Py_ssize_t limit, int64_t offset) noexcept nogil:
    """The slots below n with status ``code`` (ascending, at most ``limit``), plus ``offset``, into
    ``out``; returns their number. With AVX-512, 64 statuses compared at once (csw_list_status);
    otherwise 8 per machine word (:func:`_status_mask`)."""
    cdef Py_ssize_t base, k = _list_status_v4(status, n, code, out, limit, offset)
    cdef uint64_t mask
    if k >= 0:
        return k
    k = 0
    for base in range(0, n, 64):
        if k >= limit:
            break
        mask = _status_mask(status, base, n, code)
        while mask and k < limit:
            out[k] = offset + base + __builtin_ctzll(mask)
            mask &= mask - 1
            k += 1
    return k


cdef inline int _popcount(uint64_t x) noexcept nogil:
    """Number of set bits, by adding neighbouring counts within the word (baseline x86-64 has no
    popcount instruction: the compiler's builtin would be a library call)."""
    x = x - ((x >> 1) & 0x5555555555555555ULL)
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL)
    return <int>((((x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL) * BYTES_01) >> 56)


cdef inline void _draws_for(uint64_t mask, Py_ssize_t base, Py_ssize_t n, uint64_t high, uint64_t key,
                            double* out) noexcept nogil:
    """``out[j]``: the draw of slot ``base + j``, for every bit j set in ``mask`` (and perhaps
    others). With AVX-512, a block with many set bits is drawn whole, eight draws at a time."""
    cdef Py_ssize_t j
    if csw_v4 and _popcount(mask) >= 16:
        _draw_run(base, min(64, n - base), high, key, out)
        return
    while mask:
        j = __builtin_ctzll(mask)
        mask &= mask - 1
        out[j] = _draw((<uint64_t>(base + j) << 12) | high, key)


def select_isa(bint allow_avx512):
    """Use the AVX-512 versions of the draw loops if ``allow_avx512`` and the CPU has them (and
    they were built); returns whether they are used."""
    return bool(csw_select_isa(allow_avx512))


def uniform(const int64_t[::1] ids, uint64_t sub, int64_t tick, uint64_t key, double[::1] out):
    """Draws for ``ids`` (all with the same ``sub``) into ``out``."""
    cdef uint64_t high = (<uint64_t>(tick + 1) << 44) | sub
    if ids.shape[0]:
        with nogil:
            _draw_ids(&ids[0], ids.shape[0], high, key, &out[0])


cdef enum:
    PREFETCH_AHEAD = 16  # loops over scattered slots ask for the slot this many ahead
    OPTION_BLOCK = 1024  # draws per block of option_table (in the L1 cache)
    FLAG_CHUNK = 2048  # slots flagged per call of the C loops (the flags stay in the L1 cache)


cdef inline Py_ssize_t _flagged(const uint8_t* flag, Py_ssize_t first, Py_ssize_t n, int64_t* out,
                                Py_ssize_t k) noexcept nogil:
    """Append to ``out`` (from ``k``) the slots ``first + j`` with ``flag[j]`` set; returns the new length."""
    return k + _list_status(<const int8_t*> flag, n, 1, out + k, n, first)


def exit_pick(const int8_t[::1] status, const int16_t[::1] employer, const int16_t[::1] pq,
              const double[:, ::1] table, int64_t tick, uint64_t key, int64_t career_months):
    """Slots of the permanent workers who leave the profession this month (ascending): every slot's
    decision in one branch-free C loop (vectorised with AVX-512), a chunk at a time, then the
    flagged slots. Without AVX-512, the permanent slots only, one by one (faster there)."""
    cdef Py_ssize_t base, i, first = 0, k = 0, n = status.shape[0], chunk = FLAG_CHUNK
    cdef uint64_t mask, high = <uint64_t>(tick + 1) << 44
    cdef uint8_t flag[FLAG_CHUNK]
    cdef int stage
    cdef double u[64]
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if n == 0 or table.shape[1] == 0:  # no councils: nobody is employed
        return out_arr[:0].copy()
    if employer.shape[0] < n or pq.shape[0] < n:
        raise IndexError("the worker columns differ in length")
    if n >= 2**32:  # the draws' counters hold slots below 2**32
        raise ValueError(f"{n} slots: at most 2**32 - 1")
    if table.shape[0] != 3 or table.shape[1] > 10**6:
        raise ValueError(f"the hazard table must be 3 x councils, got {table.shape[0]} x {table.shape[1]}")
    if not csw_v4:
        with nogil:
            for base in range(0, n, 64):
                mask = _status_mask(&status[0], base, n, PERM)
                _draws_for(mask, base, n, high, key, u)
                while mask:
                    i = base + __builtin_ctzll(mask)
                    mask &= mask - 1
                    stage = (pq[i] >= 24) + (pq[i] >= 300)
                    if u[i - base] < table[stage, employer[i]] or pq[i] >= career_months:
                        out[k] = i
                        k += 1
        return out_arr[:k].copy()
    with nogil:
        while first < n:  # (a range with a variable step would need the GIL)
            _exit_flags(&status[0], &employer[0], &pq[0], &table[0, 0], table.shape[1], career_months, first,
                    min(chunk, n - first), high, key, flag)
            k = _flagged(flag, first, min(chunk, n - first), &out[0], k)
            first += chunk
    return out_arr[:k].copy()


def search_pick(const int8_t[::1] status, const int16_t[::1] employer, const int16_t[::1] home,
                const int16_t[::1] pq, const double[:, :] rate, double early_multiplier, int64_t tick,
                uint64_t key):
    """Slots of the permanent workers who search this month (ascending), as :func:`exit_pick` does.
    ``rate`` may be any strided view (its rows are often one row broadcast)."""
    cdef Py_ssize_t base, i, first = 0, k = 0, n = status.shape[0], chunk = FLAG_CHUNK
    cdef uint64_t mask, high = <uint64_t>(tick + 1) << 44
    cdef uint8_t flag[FLAG_CHUNK]
    cdef double r, u[64]
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if n == 0 or rate.shape[0] == 0 or rate.shape[1] == 0:
        return out_arr[:0].copy()
    if employer.shape[0] < n or home.shape[0] < n or pq.shape[0] < n:
        raise IndexError("the worker columns differ in length")
    if n >= 2**32:  # the draws' counters hold slots below 2**32
        raise ValueError(f"{n} slots: at most 2**32 - 1")
    cdef Py_ssize_t row_step = rate.strides[0] // <Py_ssize_t> sizeof(double)
    cdef Py_ssize_t col_step = rate.strides[1] // <Py_ssize_t> sizeof(double)
    if (rate.shape[0] * abs(row_step) + rate.shape[1] * abs(col_step)) >= 2**31:  # the C loop's indices are int
        raise ValueError(f"search rate table too large ({rate.shape[0]} x {rate.shape[1]})")
    if not csw_v4:
        with nogil:
            for base in range(0, n, 64):
                mask = _status_mask(&status[0], base, n, PERM)
                _draws_for(mask, base, n, high, key, u)
                while mask:
                    i = base + __builtin_ctzll(mask)
                    mask &= mask - 1
                    r = rate[home[i], employer[i]]
                    r = r * (early_multiplier if 18 <= pq[i] < 36 else 1.0)  # x 1.0 is exact
                    r = r if r < 1.0 else 1.0
                    out[k] = i  # kept only if the worker searches
                    k += u[i - base] < r
        return out_arr[:k].copy()
    with nogil:
        while first < n:  # (a range with a variable step would need the GIL)
            _search_flags(&status[0], &employer[0], &home[0], &pq[0], &rate[0, 0], rate.shape[0], rate.shape[1],
                      row_step, col_step, early_multiplier, first, min(chunk, n - first), high, key, flag)
            k = _flagged(flag, first, min(chunk, n - first), &out[0], k)
            first += chunk
    return out_arr[:k].copy()


def status_pick(const int8_t[::1] status, int8_t code, double probability, int64_t tick, uint64_t key):
    """Slots with status ``code`` whose draw falls below ``probability`` (ascending): the slots with
    the status are listed, then drawn for in one loop (:func:`_pick_status`)."""
    cdef Py_ssize_t k = 0, n = status.shape[0]
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if n:
        with nogil:
            k = _pick_status(&status[0], n, code, probability, high, key, &out[0])
    if k < 0:
        raise MemoryError()
    return out_arr[:k].copy()


def placed_at(const int8_t[::1] status, const int16_t[::1] employer, int8_t code, const uint8_t[::1] council):
    """Slots with status ``code`` whose employer is flagged in ``council`` (ascending)."""
    cdef Py_ssize_t base, i, k = 0, n = status.shape[0]
    cdef uint64_t mask
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t j, listed = 0
    if n:
        with nogil:
            listed = _list_status(&status[0], n, code, &out[0], n, 0)
            for j in range(listed):
                i = out[j]
                out[k] = i
                k += council[employer[i]] != 0
    return out_arr[:k].copy()


cdef inline void _retally(Py_ssize_t i, const int8_t[::1] status, const int16_t[::1] employer,
                          const float[::1] fte, int8_t[::1] seen_status, int16_t[::1] seen_employer,
                          float[::1] seen_fte, int64_t[:, ::1] count, double[:, ::1] total) noexcept nogil:
    """Move slot i from what was seen to what it is now, in the counts and totals."""
    cdef int row
    if seen_status[i] == PERM or seen_status[i] == AGENCY:
        row = seen_status[i] - PERM
        count[row, seen_employer[i]] -= 1
        total[row, seen_employer[i]] -= seen_fte[i]
    if status[i] == PERM or status[i] == AGENCY:
        row = status[i] - PERM
        count[row, employer[i]] += 1
        total[row, employer[i]] += fte[i]
    seen_status[i], seen_employer[i], seen_fte[i] = status[i], employer[i], fte[i]


def tally(const int8_t[::1] status, const int16_t[::1] employer, const float[::1] fte,
          int8_t[::1] seen_status, int16_t[::1] seen_employer, float[::1] seen_fte,
          int64_t[:, ::1] count, double[:, ::1] total, const int64_t[::1] only=None):
    """Bring the running counts and FTE totals up to date with the slots that changed since the
    last call (compared with the ``seen_*`` copies, which are updated), looking at the slots
    ``only`` if given, else at all. Returns how many slots had changed.

    Few slots change between calls, so the columns are compared a block at a time with branch-free
    loops the C compiler vectorises; only a block with a difference is visited slot by slot."""
    cdef Py_ssize_t start, stop, i, j, changed = 0, n = status.shape[0]
    cdef int8_t d8
    cdef int16_t d16
    cdef uint32_t d32
    cdef const uint32_t* bits = <const uint32_t*> &fte[0] if n else NULL
    cdef const uint32_t* seen_bits = <const uint32_t*> &seen_fte[0] if n else NULL
    if only is not None:
        for j in range(only.shape[0]):
            if not 0 <= only[j] < n:
                raise IndexError(f"slot {only[j]} out of range 0..{n - 1}")
        with nogil:
            for j in range(only.shape[0]):
                i = only[j]
                if status[i] != seen_status[i] or employer[i] != seen_employer[i] or bits[i] != seen_bits[i]:
                    _retally(i, status, employer, fte, seen_status, seen_employer, seen_fte, count, total)
                    changed += 1
        return changed
    with nogil:
        for start in range(0, n, 32):
            stop = min(start + 32, n)
            d8, d16, d32 = 0, 0, 0
            for i in range(start, stop):
                d8 |= status[i] ^ seen_status[i]
            for i in range(start, stop):
                d16 |= employer[i] ^ seen_employer[i]
            for i in range(start, stop):
                d32 |= bits[i] ^ seen_bits[i]  # FTEs compared bit for bit
            if d8 == 0 and d16 == 0 and d32 == 0:
                continue
            for i in range(start, stop):
                if (status[i] != seen_status[i] or employer[i] != seen_employer[i]
                        or bits[i] != seen_bits[i]):
                    _retally(i, status, employer, fte, seen_status, seen_employer, seen_fte, count, total)
                    changed += 1
    return changed


def workload(Py_ssize_t a, const double[::1] perm_fte, const double[::1] agency_fte, const double[::1] establishment,
             const double[::1] case_holder_share, const double[::1] cases, double caseload_max,
             double[::1] vacancy_fte, double[::1] caseload, double[::1] unallocated):
    """Vacancies, caseload and unallocated cases of councils ``0..a-1`` (see sim.kernels)."""
    cdef Py_ssize_t c
    cdef double holders, x
    with nogil:
        for c in range(a):
            x = establishment[c] - perm_fte[c]
            vacancy_fte[c] = x if x > 0.0 else 0.0
            holders = case_holder_share[c] * (perm_fte[c] + agency_fte[c])
            holders = holders if holders > 0.5 else 0.5
            x = cases[c] / holders
            caseload[c] = x if x < caseload_max else caseload_max
            x = cases[c] - caseload[c] * holders
            unallocated[c] = x if x > 0.0 else 0.0


def option_table(const int64_t[::1] slots, const int16_t[::1] employer, const int16_t[::1] home,
                 const float[::1] taste, const int64_t[:, ::1] reach, const double[::1] log_pay,
                 const double[::1] offer_log_pay, const double[::1] council_term, const double[:, ::1] dist_km,
                 const double[::1] offer_probability, const uint8_t[::1] has_vacancy, const double[::1] pending,
                 const uint8_t[::1] agency_ok, double b_pay, double b_commute, double switching_cost,
                 const double[::1] agency_log_pay, double agency_constant, double ofsted_half, int64_t tick,
                 uint64_t offer_key, double[:, ::1] utility, uint8_t[:, ::1] available, int64_t[:, ::1] option):
    """Utilities and availability of [stay, each council in reach, agency] for each searcher. The
    draws of whether each searcher heard of each post are made first, for a block of searchers at a
    time (in one loop: eight at a time with AVX-512)."""
    cdef Py_ssize_t i, j, q, first, stop, n = slots.shape[0], width = reach.shape[1]
    cdef Py_ssize_t block = max(1, OPTION_BLOCK // max(width, 1))
    cdef int64_t e, h, o, slot
    cdef double b
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    cdef uint64_t counters[OPTION_BLOCK]
    cdef double heard[OPTION_BLOCK]
    if width > OPTION_BLOCK:
        raise ValueError(f"reach tables wider than {OPTION_BLOCK} columns are not supported")
    with nogil:
        first = 0
        while first < n:
            stop = min(first + block, n)
            q = 0
            for i in range(first, stop):
                # the searchers' slots and stay commutes are scattered in memory: ask for them now, so
                # that the loads overlap (each searcher's loop below is too long for the processor to
                # look ahead to the next one's)
                slot = slots[i]
                h = home[slot]
                __builtin_prefetch(&taste[slot])
                __builtin_prefetch(&dist_km[h, employer[slot]])
                for j in range(width):
                    counters[q] = (<uint64_t>slot << 12) | <uint64_t>j | high
                    q += 1
                    o = reach[h, j]
                    __builtin_prefetch(&dist_km[h, o if o >= 0 else 0])
            _draw_counters(counters, q, offer_key, heard)
            q = 0
            for i in range(first, stop):
                slot, e, h = slots[i], employer[slots[i]], home[slots[i]]
                b = b_pay * <double>taste[slot]
                utility[i, 0] = b * log_pay[e] + council_term[e] - b_commute * dist_km[h, e] + b * pending[i]
                available[i, 0] = 1
                for j in range(width):
                    o = reach[h, j]
                    o = o if o >= 0 else 0
                    option[i, j] = o
                    # & rather than "and": no branches to mispredict
                    available[i, j + 1] = ((reach[h, j] >= 0) & (o != e) & (heard[q] < offer_probability[o])
                                           & (has_vacancy[o] != 0))
                    utility[i, j + 1] = (b * offer_log_pay[o] + council_term[o] - b_commute * dist_km[h, o]
                                         - switching_cost)
                    q += 1
                utility[i, width + 1] = (b * agency_log_pay[e] + agency_constant + ofsted_half
                                         - switching_cost)
                available[i, width + 1] = agency_ok[i]
            first = stop


def logit_shift(const double[:, ::1] utility, const uint8_t[:, ::1] available, double[::1] out,
                int32_t[::1] column, int64_t[::1] count):
    """The utilities of the available options, row by row, less their row's largest, packed into
    ``out`` (unavailable options have weight 0 and are left out: numpy's exp of -inf is slow), with
    the column of each in ``column`` and each row's number in ``count``. Returns how many were
    written. With AVX-512, eight columns at a time (csw_logit_shift_v4); otherwise availability
    follows no pattern, so the loops are branch-free; the row's largest is
    kept in four running maxima (independent, so they overlap in the pipeline; a maximum is exact
    in any order, and a tie between 0.0 and -0.0 changes no weight after exp)."""
    cdef Py_ssize_t i, j, k = 0, first, n = utility.shape[0], m = utility.shape[1], m4 = m - m % 4
    cdef double x, t0, t1, t2, t3
    cdef double minus_inf = -float("inf")
    if available.shape[0] != n or available.shape[1] != m or count.shape[0] < n:
        raise ValueError("utilities, availability and counts differ in shape")
    if out.shape[0] < n * m + 8 or column.shape[0] < n * m + 8:  # (room for AVX-512's 8-lane stores)
        raise ValueError(f"out and column need room for {n * m + 8} entries")
    if n == 0 or m == 0:
        for i in range(n):
            count[i] = 0
        return 0
    with nogil:
        k = _logit_shift_v4(&utility[0, 0], &available[0, 0], n, m, &out[0], &column[0], &count[0])
    if k >= 0:
        return k
    k = 0
    with nogil:
        for i in range(utility.shape[0]):
            t0 = t1 = t2 = t3 = minus_inf
            for j in range(0, m4, 4):
                x = utility[i, j] if available[i, j] else minus_inf
                t0 = x if x > t0 else t0
                x = utility[i, j + 1] if available[i, j + 1] else minus_inf
                t1 = x if x > t1 else t1
                x = utility[i, j + 2] if available[i, j + 2] else minus_inf
                t2 = x if x > t2 else t2
                x = utility[i, j + 3] if available[i, j + 3] else minus_inf
                t3 = x if x > t3 else t3
            for j in range(m4, m):
                x = utility[i, j] if available[i, j] else minus_inf
                t0 = x if x > t0 else t0
            t0 = t1 if t1 > t0 else t0
            t2 = t3 if t3 > t2 else t2
            t0 = t2 if t2 > t0 else t0
            first = k
            for j in range(m):
                out[k] = utility[i, j] - t0
                column[k] = <int32_t>j
                k += available[i, j] != 0  # kept only if available
            count[i] = k - first
    return k


def logit_pick(const double[::1] packed, const double[::1] u, const int32_t[::1] column, const int64_t[::1] count,
               Py_ssize_t m, int64_t[::1] pick):
    """Invert each row's cumulative weights (summed left to right; ``packed`` holds the weights of
    the available options, ``column`` their columns, ``count`` their number per row; the others
    weigh 0) at ``u`` times the row's total: the pick is the number of the row's ``m`` columns whose
    running sum is below that threshold (a prefix, as the sums never decrease), at most the last
    available column. The options that weigh 0 leave the running sum as it is, so only the
    available ones are summed, in the same order; the first whose running sum is not below the
    threshold is the pick, and every column before the first available one counts if 0 is below."""
    cdef Py_ssize_t i, q, c, k, last, start = 0
    cdef double cum, threshold
    with nogil:
        for i in range(count.shape[0]):
            c = count[i]
            cum = 0.0
            for q in range(start, start + c):
                cum = cum + packed[q]
            threshold = u[i] * cum
            last = column[start + c - 1] if c else 0
            if not 0.0 < threshold:  # no column's running sum is below it (NaN: none either)
                k = 0
            else:
                cum, k = 0.0, m
                for q in range(start, start + c):
                    cum = cum + packed[q]
                    if not cum < threshold:
                        k = column[q]
                        break
            pick[i] = k if k < last else last
            start += c


def record_pass(const int8_t[::1] status, const int16_t[::1] employer, int16_t[::1] pq, int16_t[::1] tenure,
                const float[::1] fte, bint age, double[::1] nq_fte):
    """Add the FTE of permanent workers in their first year after qualifying to ``nq_fte`` by
    employer, count the agency pool, and (if ``age``) age every worker by a month. Returns the pool
    count. One branch-free pass the compiler vectorises flags the newly qualified; a second visits
    the flagged slots only."""
    cdef Py_ssize_t j, i, listed, n = status.shape[0]
    cdef int64_t pool = 0
    if min(employer.shape[0], pq.shape[0], tenure.shape[0], fte.shape[0]) < n:
        raise IndexError("the worker columns differ in length")
    flags_arr = np.empty(n, dtype=np.int8)
    cdef int8_t[::1] flag = flags_arr
    if n == 0:
        return 0
    with nogil:
        pool = _record_flags(&status[0], &pq[0], &tenure[0], &flag[0], n, 1 if age else 0)
    nq_arr = np.empty(n, dtype=np.int64)  # the newly qualified (their FTEs summed in slot order)
    cdef int64_t[::1] nq = nq_arr
    with nogil:
        listed = _list_status(&flag[0], n, 1, &nq[0], n, 0)
        for j in range(listed):
            i = nq[j]
            nq_fte[employer[i]] += fte[i]
    return pool


def first_with_status(const int8_t[::1] status, int8_t code, Py_ssize_t n):
    """The first ``n`` slots (ascending) with status ``code``, or all of them if fewer."""
    cdef Py_ssize_t base, k = 0, size = status.shape[0]
    cdef uint64_t mask
    out_arr = np.empty(max(0, min(n, size)), dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if size and n > 0:
        with nogil:
            k = _list_status(&status[0], size, code, &out[0], n, 0)
    return out_arr[:k]


def add_by_council(const int64_t[::1] council, const double[::1] weight, double same_weight, double[::1] total,
                   double[::1] heads):
    """Per council below ``total.shape[0]``: sum this call's weights (``weight``, or ``same_weight``
    for every entry if ``weight`` is None) in order, then add the sums to ``total`` and the number
    of entries to ``heads`` (if given)."""
    cdef Py_ssize_t i, c, n = total.shape[0], top = n
    cdef double* sums
    for i in range(council.shape[0]):
        if council[i] < 0:
            raise ValueError(f"council index {council[i]} is negative")
        top = max(top, council[i] + 1)
    sums = <double*> calloc(top, sizeof(double))
    if sums == NULL:
        raise MemoryError()
    with nogil:
        for i in range(council.shape[0]):
            sums[council[i]] += weight[i] if weight is not None else same_weight
        for c in range(n):
            total[c] += sums[c]
    free(sums)
    if heads is not None:
        with nogil:
            for i in range(council.shape[0]):
                if council[i] < n:
                    heads[council[i]] += 1.0


def new_worker_columns(const int64_t[::1] slots, const int64_t[::1] council, int8_t code,
                       const int64_t[:, ::1] reach, int64_t n_active, double elsewhere_share, int64_t tick,
                       uint64_t pick_key, uint64_t home_key, const double[::1] fte_of_council,
                       int8_t[::1] status, int16_t[::1] employer, int16_t[::1] home, float[::1] fte):
    """Status, employer, home and FTE of new workers in ``slots`` (see sim.kernels)."""
    cdef Py_ssize_t i, j, width = reach.shape[1]
    cdef int64_t c, slot, near
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    cdef double u
    with nogil:
        for i in range(slots.shape[0]):
            slot, c = slots[i], council[i]
            status[slot] = code
            employer[slot] = <int16_t>c
            j = <Py_ssize_t>(_draw((<uint64_t>slot << 12) | high, pick_key) * width)
            near = reach[c, j]
            if near < 0 or near >= n_active:
                near = c
            u = _draw((<uint64_t>slot << 12) | high, home_key)
            home[slot] = <int16_t>(near if u < elsewhere_share else c)
            fte[slot] = <float>fte_of_council[c] if fte_of_council is not None else 1.0


def hire_draws(const int64_t[::1] posts, const double[::1] p_fill, double nq_share, int64_t shift, int64_t tick,
               uint64_t key):
    """Councils of the vacant posts filled by new qualifiers, then by others (see sim.kernels). The
    ids of a council's posts are consecutive, so their draws are one run (vectorised)."""
    cdef Py_ssize_t c, k, n_first = 0, n_then = 0, total = 0, most = 0
    cdef double threshold, threshold_nq
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    if p_fill.shape[0] < posts.shape[0]:
        raise IndexError(f"{posts.shape[0]} councils' posts but {p_fill.shape[0]} fill probabilities")
    for c in range(posts.shape[0]):
        if posts[c] > 0:
            total += posts[c]
            most = max(most, posts[c])
    if posts.shape[0] and ((posts.shape[0] - 1) << shift) + most >= 2**51:  # ids << 12 must fit 64 bits
        raise ValueError(f"post ids too large for the draws ({posts.shape[0]} councils, shift {shift})")
    first_arr, then_arr, u_arr = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64), np.empty(most)
    cdef int64_t[::1] first = first_arr, then = then_arr
    cdef double[::1] u = u_arr
    with nogil:
        for c in range(posts.shape[0]):
            if posts[c] <= 0:
                continue
            _draw_run(c << shift, posts[c], high, key, &u[0])
            threshold = p_fill[c]
            threshold_nq = threshold * nq_share
            for k in range(posts[c]):
                if u[k] < threshold:
                    if u[k] < threshold_nq:
                        first[n_first] = c
                        n_first += 1
                    else:
                        then[n_then] = c
                        n_then += 1
    return first_arr[:n_first].copy(), then_arr[:n_then].copy()


def new_worker_draws(const int64_t[::1] slots, int64_t zones, int64_t tick, uint64_t point_key,
                     uint64_t experience_key, uint64_t taste_key, const int16_t[::1] home, int16_t[::1] home_zone):
    """New workers' home points (written into ``home_zone``) and their experience and taste draws
    (returned), in one pass over the slots (see sim.kernels)."""
    cdef Py_ssize_t i, n = slots.shape[0]
    cdef int64_t slot
    cdef uint64_t base, high = <uint64_t>(tick + 1) << 44
    cdef double x, top = <double>(zones - 1)
    experience_arr, taste_arr = np.empty(n), np.empty(n)
    cdef double[::1] experience = experience_arr, taste = taste_arr
    for i in range(n):
        if not 0 <= slots[i] < min(home.shape[0], home_zone.shape[0]):
            raise IndexError(f"slot {slots[i]} out of range 0..{min(home.shape[0], home_zone.shape[0]) - 1}")
    with nogil:
        for i in range(n):
            slot = slots[i]
            base = (<uint64_t>slot << 12) | high
            x = floor(_draw(base, point_key) * <double>zones)
            x = x if x < top else top
            home_zone[slot] = <int16_t>(home[slot] * zones + <int64_t>x)
            experience[i] = _draw(base, experience_key)
            taste[i] = _draw(base, taste_key)
    return experience_arr, taste_arr


def place_pool(const int64_t[::1] pool, const int16_t[::1] home, const int64_t[:, ::1] reach,
               const int64_t[::1] wanted, int rounds):
    """Agency workers between placements matched to the posts councils want (see :func:`_place_pool`)."""
    return _place_pool(&pool[0] if pool.shape[0] else NULL, pool.shape[0], home, reach, wanted, rounds)


cdef tuple _place_pool(const int64_t* pool, Py_ssize_t n, const int16_t[::1] home, const int64_t[:, ::1] reach,
                       const int64_t[::1] wanted, int rounds):
    """Agency workers between placements matched to the posts councils want, round by round (see
    sim.kernels). Each round first picks every unplaced worker's council against the posts open at
    the start of the round, then accepts them in priority order while their council has posts left
    (what the numpy version's rationing by destination, then priority, gives). Open posts never
    increase, so a worker with none in reach in one round has none later and is not looked at again.
    A worker's council depends only on their home's reach row, so it is found once per home and
    round (when a worker from that home first needs it) and shared by the others from there."""
    cdef Py_ssize_t a = wanted.shape[0], width = reach.shape[1], n_homes = reach.shape[0]
    cdef Py_ssize_t r, i, j, q, k = 0, n_left = n, n_kept
    cdef int64_t c, cc, h, best, most, v, any_open
    cdef bint inside, better
    # scratch (one block): per home, the round its council was found in and that council; per council,
    # the posts open and taken this round; per worker, the unplaced (positions in pool, ascending),
    # their councils this round, and the placed slots and their councils
    cdef int64_t* round_of = <int64_t*> malloc(8 * (2 * n_homes + 2 * a + 4 * n + 1))
    if round_of == NULL:
        raise MemoryError()
    cdef int64_t* choice = round_of + n_homes
    cdef int64_t* open_posts = choice + n_homes
    cdef int64_t* taken = open_posts + a
    cdef int64_t* left = taken + a
    cdef int64_t* dest = left + n
    cdef int64_t* placed = dest + n
    cdef int64_t* where = placed + n
    for i in range(n_homes):
        round_of[i] = -1
    for c in range(a):
        open_posts[c], taken[c] = wanted[c], 0
    for i in range(n):
        left[i] = i
    for i in range(n):
        if not 0 <= pool[i] < home.shape[0] or not 0 <= home[pool[i]] < reach.shape[0]:
            free(round_of)
            raise IndexError(f"slot {pool[i]} or its home council out of range")
    with nogil:
        for r in range(rounds):
            any_open = 0
            for c in range(a):
                any_open |= open_posts[c]
            if n_left == 0 or any_open == 0:
                break
            for q in range(n_left):  # the council each applies to (-1: none with a post open)
                if q + PREFETCH_AHEAD < n_left:  # scattered slots: start loading those ahead
                    __builtin_prefetch(&home[pool[left[q + PREFETCH_AHEAD]]])
                h = home[pool[left[q]]]
                if round_of[h] == r:  # found for another worker from the same home this round
                    dest[q] = choice[h]
                    continue
                best, most = -1, 0
                for j in range(width):  # branch-free: which column wins follows no pattern
                    c = reach[h, j]
                    inside = (c >= 0) & (c < a)
                    cc = c if inside else 0
                    v = open_posts[cc] if inside else 0
                    better = v > most  # the first column with the most posts wins
                    best = c if better else best
                    most = v if better else most
                dest[q] = best
                round_of[h], choice[h] = r, best
            n_kept = 0
            for q in range(n_left):  # in priority order: accepted while the council has posts left
                c = dest[q]
                if c >= 0 and taken[c] < open_posts[c]:
                    taken[c] += 1
                    placed[k], where[k] = pool[left[q]], c
                    k += 1
                elif c >= 0:  # applied and was turned away: tries again next round
                    left[n_kept] = left[q]
                    n_kept += 1
            n_left = n_kept
            for c in range(a):
                open_posts[c] -= taken[c]
                taken[c] = 0
    placed_arr, where_arr = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    cdef int64_t[::1] placed_out = placed_arr, where_out = where_arr
    if k:
        memcpy(&placed_out[0], placed, k * sizeof(int64_t))
        memcpy(&where_out[0], where, k * sizeof(int64_t))
    free(round_of)
    return placed_arr, where_arr


def od_table(const int64_t[::1] origin, const int64_t[::1] destination, const double[::1] fte, int64_t n_all):
    """Rows (origin, destination, heads, FTE) of the distinct pairs, by origin then destination: the
    moves sorted by destination, then by origin (counting sorts, which keep the order of ties), and
    each pair's FTEs summed in the order given."""
    cdef Py_ssize_t i, j, k = -1, n = origin.shape[0], distinct = 0, top = n_all
    if destination.shape[0] != n or fte.shape[0] != n:
        raise ValueError("origins, destinations and FTEs differ in length")
    for i in range(n):
        if not 0 <= destination[i] < n_all or origin[i] < 0:
            raise IndexError(f"move {i} from {origin[i]} to {destination[i]}: out of range 0..{n_all - 1}")
        top = max(top, origin[i] + 1)
    count_arr, by_destination_arr, order_arr = (np.zeros(top + 1, dtype=np.int64), np.empty(n, dtype=np.int64),
                                                np.empty(n, dtype=np.int64))
    cdef int64_t[::1] count = count_arr, by_destination = by_destination_arr, order = order_arr
    with nogil:
        for i in range(n):
            count[destination[i] + 1] += 1
        for j in range(top):
            count[j + 1] += count[j]
        for i in range(n):
            by_destination[count[destination[i]]] = i
            count[destination[i]] += 1
        for j in range(top + 1):
            count[j] = 0
        for i in range(n):
            count[origin[i] + 1] += 1
        for j in range(top):
            count[j + 1] += count[j]
        for j in range(n):
            i = by_destination[j]
            order[count[origin[i]]] = i
            count[origin[i]] += 1
        for j in range(n):
            distinct += j == 0 or origin[order[j]] != origin[order[j - 1]] or (
                destination[order[j]] != destination[order[j - 1]])
    out_arr = np.zeros((distinct, 4))
    cdef double[:, ::1] out = out_arr
    with nogil:
        for j in range(n):
            i = order[j]
            if j == 0 or origin[i] != origin[order[j - 1]] or destination[i] != destination[order[j - 1]]:
                k += 1
                out[k, 0], out[k, 1] = <double>origin[i], <double>destination[i]
            out[k, 2] += 1.0
            out[k, 3] += fte[i]
    return out_arr


def release(const int64_t[::1] slots, int8_t[::1] status, int16_t[::1] employer, int16_t[::1] home,
            int16_t[::1] home_zone, int16_t[::1] pq, int16_t[::1] tenure, float[::1] fte, float[::1] taste, int32_t[::1] left_perm_tick,
            int32_t[::1] hired_tick, int32_t never):
    """Empty the given slots: every column back to its empty value (see sim.workers.COLUMNS)."""
    cdef Py_ssize_t j, i, n = status.shape[0]
    for j in range(slots.shape[0]):
        if not 0 <= slots[j] < n:
            raise IndexError(f"slot {slots[j]} out of range 0..{n - 1}")
    with nogil:
        for j in range(slots.shape[0]):
            if j + PREFETCH_AHEAD < slots.shape[0]:  # scattered slots: start loading those ahead
                i = slots[j + PREFETCH_AHEAD]
                _prefetch_write(&status[i])
                _prefetch_write(&employer[i])
                _prefetch_write(&home[i])
                _prefetch_write(&home_zone[i])
                _prefetch_write(&pq[i])
                _prefetch_write(&tenure[i])
                _prefetch_write(&fte[i])
                _prefetch_write(&taste[i])
                _prefetch_write(&left_perm_tick[i])
                _prefetch_write(&hired_tick[i])
            i = slots[j]
            status[i], employer[i], home[i], home_zone[i], pq[i], tenure[i] = FREE, -1, -1, -1, 0, 0
            fte[i], taste[i], left_perm_tick[i], hired_tick[i] = 0.0, 1.0, never, never


def post_ids(const int64_t[::1] counts, int64_t shift):
    """For integer counts per council, the council of each post and its id ``council << shift | k``."""
    cdef Py_ssize_t c, k, j = 0, total = 0
    for c in range(counts.shape[0]):
        total += counts[c] if counts[c] > 0 else 0
    council_arr = np.empty(total, dtype=np.int64)
    ids_arr = np.empty(total, dtype=np.int64)
    cdef int64_t[::1] council = council_arr, ids = ids_arr
    with nogil:
        for c in range(counts.shape[0]):
            for k in range(counts[c]):
                council[j] = c
                ids[j] = (c << shift) | k
                j += 1
    return council_arr, ids_arr


# ---- rationing, and the bookkeeping of whole decisions (agency placements, moves) --------------------
# The kernels below do in one call what a phase did in a dozen numpy operations and edits: pick,
# ration, record the flows and edit the worker columns. Their numpy twins in sim.kernels are the
# specification (and the order of the edits and sums there is the order here).

cdef struct Columns:
    # Raw pointers to the worker columns of sim.workers.COLUMNS (in that order), their common length
    # and the empty value of the tick columns.
    int8_t* status
    int16_t* employer
    int16_t* home
    int16_t* home_zone
    int16_t* pq
    int16_t* tenure
    float* fte
    float* taste
    int32_t* left_perm_tick
    int32_t* hired_tick
    int32_t never
    Py_ssize_t n


cdef Columns _columns(tuple columns, int32_t never) except *:
    """The worker columns (a tuple in the order of sim.workers.COLUMNS, all writable and of one
    length) as raw pointers. The caller keeps the tuple alive while the pointers are in use."""
    if len(columns) != 10:
        raise ValueError(f"expected the 10 worker columns, got {len(columns)}")
    cdef int8_t[::1] status = columns[0]
    cdef int16_t[::1] employer = columns[1], home = columns[2], home_zone = columns[3], pq = columns[4]
    cdef int16_t[::1] tenure = columns[5]
    cdef float[::1] fte = columns[6], taste = columns[7]
    cdef int32_t[::1] left = columns[8], hired = columns[9]
    cdef Py_ssize_t n = status.shape[0]
    if not (employer.shape[0] == home.shape[0] == home_zone.shape[0] == pq.shape[0] == tenure.shape[0]
            == fte.shape[0] == taste.shape[0] == left.shape[0] == hired.shape[0] == n):
        raise IndexError("the worker columns differ in length")
    cdef Columns c
    c.n, c.never = n, never
    if n == 0:
        c.status, c.employer, c.home, c.home_zone, c.pq, c.tenure = NULL, NULL, NULL, NULL, NULL, NULL
        c.fte, c.taste, c.left_perm_tick, c.hired_tick = NULL, NULL, NULL, NULL
        return c
    c.status, c.employer, c.home, c.home_zone = &status[0], &employer[0], &home[0], &home_zone[0]
    c.pq, c.tenure, c.fte, c.taste = &pq[0], &tenure[0], &fte[0], &taste[0]
    c.left_perm_tick, c.hired_tick = &left[0], &hired[0]
    return c


cdef inline void _prefetch_slot(Columns* c, Py_ssize_t i) noexcept nogil:
    """Start loading slot i of every column, to write it (loops over scattered slots call this for
    the slot PREFETCH_AHEAD ahead, so that the loads overlap)."""
    _prefetch_write(&c.status[i])
    _prefetch_write(&c.employer[i])
    _prefetch_write(&c.home[i])
    _prefetch_write(&c.home_zone[i])
    _prefetch_write(&c.pq[i])
    _prefetch_write(&c.tenure[i])
    _prefetch_write(&c.fte[i])
    _prefetch_write(&c.taste[i])
    _prefetch_write(&c.left_perm_tick[i])
    _prefetch_write(&c.hired_tick[i])


cdef inline void _release_slot(Columns* c, Py_ssize_t i) noexcept nogil:
    """Empty slot i: every column back to its empty value (as :func:`release`)."""
    c.status[i], c.employer[i], c.home[i], c.home_zone[i], c.pq[i], c.tenure[i] = FREE, -1, -1, -1, 0, 0
    c.fte[i], c.taste[i], c.left_perm_tick[i], c.hired_tick[i] = 0.0, 1.0, c.never, c.never


cdef inline bint _before(double a, double b) noexcept nogil:
    """``a`` sorts strictly before ``b`` in numpy's order (NaN last)."""
    return a < b or (b != b and a == a)


cdef void _merge_sort_by_key(int64_t* idx, int64_t* tmp, Py_ssize_t n, const double* key) noexcept nogil:
    """Stable sort of the positions ``idx[0:n]`` by ``key[position]`` (numpy's order: NaN last; ties
    keep their order): insertion sort of runs of 16, then bottom-up merges (``tmp``: n scratch)."""
    cdef Py_ssize_t lo, hi, mid, i, j, k, width = 16
    cdef int64_t x
    cdef int64_t* src = idx
    cdef int64_t* dst = tmp
    cdef int64_t* swap
    lo = 0
    while lo < n:
        hi = min(lo + width, n)
        for i in range(lo + 1, hi):
            x = idx[i]
            j = i
            while j > lo and _before(key[x], key[idx[j - 1]]):
                idx[j] = idx[j - 1]
                j -= 1
            idx[j] = x
        lo += width
    while width < n:
        lo = 0
        while lo < n:
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _before(key[src[j]], key[src[i]]):  # the right one only if strictly before: stable
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
            lo += 2 * width
        swap, src, dst = src, dst, src
        width *= 2
    if src != idx:
        memcpy(idx, src, n * sizeof(int64_t))


cdef void _sort_by_key(int64_t* idx, int64_t* tmp, Py_ssize_t n, const double* key) noexcept nogil:
    """Stable sort of the positions ``idx[0:n]`` by ``key[position]`` (numpy's order: NaN last; ties
    keep their order; ``tmp``: n scratch). Keys are mostly uniform draws in [0, 1): then a bucket sort
    (n buckets by ``floor(key x n)``, which never decreases as the key grows; each bucket, a handful on
    average, sorted by insertion), in time proportional to n; other keys are merge sorted."""
    cdef Py_ssize_t i, j, b, start, end
    cdef int64_t x
    cdef double y
    cdef int64_t* ends
    if n <= 32:
        _merge_sort_by_key(idx, tmp, n, key)
        return
    for i in range(n):
        y = key[idx[i]]
        if not (0.0 <= y < 1.0):  # (NaN too)
            _merge_sort_by_key(idx, tmp, n, key)
            return
    ends = <int64_t*> calloc(n + 1, sizeof(int64_t))
    if ends == NULL:
        _merge_sort_by_key(idx, tmp, n, key)
        return
    for i in range(n):
        b = <Py_ssize_t>(key[idx[i]] * <double>n)
        ends[(b if b < n else n - 1) + 1] += 1
    for b in range(n):
        ends[b + 1] += ends[b]
    for i in range(n):  # into buckets, in the order given
        b = <Py_ssize_t>(key[idx[i]] * <double>n)
        b = b if b < n else n - 1
        tmp[ends[b]] = idx[i]
        ends[b] += 1
    start = 0  # ends[b] is now the end of bucket b
    for b in range(n):
        end = ends[b]
        for i in range(start + 1, end):
            x = tmp[i]
            j = i
            while j > start and _before(key[x], key[tmp[j - 1]]):
                tmp[j] = tmp[j - 1]
                j -= 1
            tmp[j] = x
        start = end
    memcpy(idx, tmp, n * sizeof(int64_t))
    free(ends)


cdef int _ration(const int64_t* destination, const double* priority, Py_ssize_t n, const int64_t* capacity,
                 Py_ssize_t n_capacity, uint8_t* accepted) noexcept nogil:
    """:func:`ration`: ``accepted[i]`` set for at most ``capacity[d]`` applicants to each destination
    d, lowest priority first (ties: the earlier applicant). The applicants are sorted by priority
    (stably), then by destination (a counting sort, which keeps that order): numpy's lexsort order;
    the first ``capacity[d]`` of each destination are accepted. Destinations must be in
    0..n_capacity - 1. Returns -1 if out of memory, else 0."""
    cdef Py_ssize_t i, d, q
    cdef int64_t* start = <int64_t*> calloc(n_capacity + 1, sizeof(int64_t))
    cdef int64_t* order = <int64_t*> malloc((2 * n + 1) * sizeof(int64_t))
    cdef int64_t* by_priority
    if start == NULL or order == NULL:
        free(start)
        free(order)
        return -1
    by_priority = order + n
    for i in range(n):
        by_priority[i] = i
    _sort_by_key(by_priority, order, n, priority)
    for i in range(n):
        start[destination[i] + 1] += 1
    for d in range(n_capacity):
        start[d + 1] += start[d]
    for q in range(n):  # by destination, in priority order within each
        i = by_priority[q]
        order[start[destination[i]]] = i
        start[destination[i]] += 1
    q = 0  # start[d] is now the end of destination d's applicants
    for d in range(n_capacity):
        for i in range(q, start[d]):
            accepted[order[i]] = (i - q) < capacity[d]
        q = start[d]
    free(start)
    free(order)
    return 0


def ration(const int64_t[::1] destination, const double[::1] priority, const int64_t[::1] capacity):
    """Accept at most ``capacity[d]`` of the applicants to each destination d, by priority (lowest
    first); returns a boolean mask over the applicants (see sim.kernels)."""
    cdef Py_ssize_t i, n = destination.shape[0]
    if priority.shape[0] != n:
        raise ValueError(f"{n} applicants but {priority.shape[0]} priorities")
    for i in range(n):
        if not 0 <= destination[i] < capacity.shape[0]:
            raise IndexError(f"destination {destination[i]} out of range 0..{capacity.shape[0] - 1}")
    out_arr = np.zeros(n, dtype=np.uint8)
    cdef uint8_t[::1] out = out_arr
    if n == 0:
        return out_arr.view(bool)
    cdef int status
    with nogil:
        status = _ration(&destination[0], &priority[0], n, &capacity[0], capacity.shape[0], &out[0])
    if status:
        raise MemoryError()
    return out_arr.view(bool)


cdef void _add_flow(const int64_t* council, const double* weight, Py_ssize_t m, double* total, double* heads,
                    Py_ssize_t n, double* sums) noexcept nogil:
    """:func:`add_by_council` of ``m`` entries (councils >= 0; those at or beyond ``n`` left out):
    this call's weights summed per council in order (in ``sums``, n scratch), then added to
    ``total``; one added to ``heads`` (if not NULL) per entry. Nothing happens for no entries (as
    the recorder skips the call)."""
    cdef Py_ssize_t i, c
    if m == 0:
        return
    for c in range(n):
        sums[c] = 0.0
    for i in range(m):
        if council[i] < n:
            sums[council[i]] += weight[i]
    for c in range(n):
        total[c] += sums[c]
    if heads != NULL:
        for i in range(m):
            if council[i] < n:
                heads[council[i]] += 1.0


cdef Py_ssize_t _pick_status(const int8_t* status, Py_ssize_t n, int8_t code, double probability, uint64_t high,
                             uint64_t key, int64_t* out) noexcept nogil:
    """Slots below n with status ``code`` whose draw falls below ``probability``, ascending, into
    ``out`` (room for n); returns their number (-1 if out of memory). The slots with the status are
    listed first, then drawn for in one loop (eight at a time with AVX-512), then kept or not."""
    cdef Py_ssize_t q, k = _list_status(status, n, code, out, n, 0), kept = 0
    if k == 0:
        return 0
    cdef double* u = <double*> malloc(k * sizeof(double))
    if u == NULL:
        return -1
    _draw_ids(out, k, high, key, u)
    for q in range(k):
        out[kept] = out[q]
        kept += u[q] < probability
    free(u)
    return kept


def _check_flows(Py_ssize_t n, *rows):
    for row in rows:
        if row is not None and row.shape[0] != n:
            raise ValueError(f"a flow row has {row.shape[0]} councils, expected {n}")


def end_placements(tuple columns, int32_t never, Py_ssize_t used, double probability, double convert_prob,
                   double leave_prob, const int64_t[::1] capacity, const double[::1] golden_hello, int64_t tick,
                   uint64_t end_key, uint64_t kind_key, double[::1] ended_fte, double[::1] ended_heads,
                   double[::1] starters_fte, double[::1] starters_heads, double[::1] golden_spend):
    """Agency placements that end this month, and what each worker then does (see sim.kernels):
    picked, recorded, rationed and edited in one call. Returns the slots that ended."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t i, j, k, m, n_conv = 0, n_flow = ended_fte.shape[0]
    cdef int64_t s, e
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    cdef int failed = 0
    _check_flows(n_flow, ended_heads, starters_fte, starters_heads, golden_spend)
    if not 0 <= used <= c.n:
        raise IndexError(f"{used} slots in use of {c.n}")
    # scratch (one block, not a dozen numpy arrays): the agency slots, then the ending ones' data
    cdef char* block = <char*> malloc(8 * (used + 1))
    cdef char* more = NULL
    if block == NULL:
        raise MemoryError()
    cdef int64_t* ending = <int64_t*> block
    with nogil:
        k = _pick_status(c.status, used, AGENCY, probability, high, end_key, ending) if used else 0
    if k <= 0:
        free(block)
        if k < 0:
            raise MemoryError()
        return np.zeros(0, dtype=np.int64)
    for j in range(k):
        if j + PREFETCH_AHEAD < k:  # scattered slots: start loading those ahead
            _prefetch_slot(&c, ending[j + PREFETCH_AHEAD])
        if not 0 <= c.employer[ending[j]] < capacity.shape[0] or c.employer[ending[j]] >= golden_hello.shape[0]:
            e = c.employer[ending[j]]
            free(block)
            raise IndexError(f"employer {e} of a placement ending out of range")
    more = <char*> malloc(8 * (6 * k + n_flow) + 2 * k + 8)
    if more == NULL:
        free(block)
        raise MemoryError()
    cdef int64_t* council = <int64_t*> more
    cdef int64_t* want_council = council + k
    cdef int64_t* want_pos = want_council + k
    cdef double* weight = <double*> (want_pos + k)
    cdef double* v = weight + k
    cdef double* want_v = v + k
    cdef double* sums = want_v + k
    cdef uint8_t* accepted = <uint8_t*> (sums + n_flow)
    cdef uint8_t* fate = accepted + k  # 0 pool, 1 converts, 2 leaves
    with nogil:
        for j in range(k):
            council[j] = c.employer[ending[j]]
            weight[j] = <double>c.fte[ending[j]]
        _add_flow(council, weight, k, &ended_fte[0], &ended_heads[0], n_flow, sums)
        _draw_ids(ending, k, high, kind_key, v)
        m = 0
        for j in range(k):
            fate[j] = 0
            if v[j] < convert_prob:  # wants to convert: rationed by the council's vacancies
                want_council[m], want_v[m], want_pos[m] = council[j], v[j], j
                m += 1
            elif v[j] < leave_prob:
                fate[j] = 2
        if m:
            failed = _ration(want_council, want_v, m, &capacity[0], capacity.shape[0], accepted)
        if not failed:
            for i in range(m):
                if accepted[i]:
                    fate[want_pos[i]] = 1
            for j in range(k):  # the converts' councils, FTE and golden hellos, in order
                if fate[j] == 1:
                    want_council[n_conv], want_v[n_conv] = council[j], weight[j]
                    n_conv += 1
            _add_flow(want_council, want_v, n_conv, &starters_fte[0], &starters_heads[0], n_flow, sums)
            for i in range(n_conv):
                want_v[i] = golden_hello[want_council[i]]
            _add_flow(want_council, want_v, n_conv, &golden_spend[0], NULL, n_flow, sums)
            for j in range(k):
                s = ending[j]
                if fate[j] == 1:
                    c.status[s], c.tenure[s], c.hired_tick[s] = PERM, 0, <int32_t>tick
                elif fate[j] == 2:
                    _release_slot(&c, s)
                else:
                    c.status[s], c.employer[s], c.tenure[s] = POOL, -1, 0
    free(more)
    if failed:
        free(block)
        raise MemoryError()
    out_arr = np.empty(k, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    memcpy(&out[0], ending, k * sizeof(int64_t))
    free(block)
    return out_arr


def release_surplus(tuple columns, int32_t never, Py_ssize_t used, const uint8_t[::1] flagged,
                    const int64_t[::1] keep, int64_t tick, uint64_t key, double[::1] ended_fte,
                    double[::1] ended_heads):
    """Placements ended at councils with too many (see sim.kernels): those at flagged councils beyond
    the ``keep`` with the lowest draws go back to the pool. Returns their slots."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t base, i, j, k = 0, n_out = 0, n_flow = ended_fte.shape[0], a = flagged.shape[0]
    cdef uint64_t mask, high = <uint64_t>(tick + 1) << 44
    cdef int failed = 0, bad = 0
    cdef int64_t e
    _check_flows(n_flow, ended_heads)
    if not 0 <= used <= c.n:
        raise IndexError(f"{used} slots in use of {c.n}")
    if keep.shape[0] < a:
        raise IndexError(f"{a} councils flagged but {keep.shape[0]} to keep")
    # scratch (one block): the placed slots, then those at flagged councils' data
    cdef Py_ssize_t listed = 0
    cdef char* block = <char*> malloc(8 * (4 * used + n_flow) + used + 8)
    if block == NULL:
        raise MemoryError()
    cdef int64_t* placed = <int64_t*> block
    cdef int64_t* council = placed + used
    cdef double* u = <double*> (council + used)
    cdef double* weight = u + used
    cdef double* sums = weight + used
    cdef uint8_t* accepted = <uint8_t*> (sums + n_flow)
    with nogil:
        if used:
            listed = _list_status(c.status, used, AGENCY, placed, used, 0)
        for j in range(listed):
            if j + PREFETCH_AHEAD < listed:
                __builtin_prefetch(&c.employer[placed[j + PREFETCH_AHEAD]])
            i = placed[j]
            e = c.employer[i]
            if not 0 <= e < a:
                bad = 1
                continue
            placed[k] = i
            k += flagged[e] != 0
        if k and not bad:
            for j in range(k):
                council[j] = c.employer[placed[j]]
            _draw_ids(placed, k, high, key, u)
            failed = _ration(council, u, k, &keep[0], a, accepted)
            if not failed:
                for j in range(k):  # those not kept, in order (over the arrays already read)
                    if not accepted[j]:
                        placed[n_out], council[n_out], weight[n_out] = placed[j], council[j], <double>c.fte[placed[j]]
                        n_out += 1
                _add_flow(council, weight, n_out, &ended_fte[0], &ended_heads[0], n_flow, sums)
                for j in range(n_out):
                    c.status[placed[j]], c.employer[placed[j]], c.tenure[placed[j]] = POOL, -1, 0
    if bad or failed:
        free(block)
        if bad:
            raise IndexError("a placed agency worker's employer is outside the flagged councils")
        raise MemoryError()
    out_arr = np.empty(n_out, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if n_out:
        memcpy(&out[0], placed, n_out * sizeof(int64_t))
    free(block)
    return out_arr


def pool_placements(tuple columns, int32_t never, const int64_t[::1] pool, int64_t tick, uint64_t order_key,
                    const int64_t[:, ::1] reach, const int64_t[::1] wanted, int rounds, double[::1] placed_fte,
                    double[::1] placed_heads):
    """Agency workers between placements (``pool``) put in a stable random order, matched to the posts
    councils want (:func:`_place_pool`), placed and recorded (see sim.kernels). Returns (placed slots,
    posts filled per council)."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t j, n = pool.shape[0], a = wanted.shape[0], n_flow = placed_fte.shape[0]
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    _check_flows(n_flow, placed_heads)
    for j in range(n):
        if not 0 <= pool[j] < c.n:
            raise IndexError(f"slot {pool[j]} out of range 0..{c.n - 1}")
    # scratch (one block): the draws, the order (and its sort's scratch), the pool in that order, and
    # the placed workers' FTEs and the flow's sums
    cdef char* block = <char*> malloc(8 * (5 * n + n_flow + 2))
    if block == NULL:
        raise MemoryError()
    cdef double* u = <double*> block
    cdef int64_t* order = <int64_t*> (u + n)
    cdef int64_t* ordered = order + 2 * n + 1
    cdef double* weight = <double*> (ordered + n)
    cdef double* sums = weight + n
    if n:
        with nogil:
            _draw_ids(&pool[0], n, high, order_key, u)
            for j in range(n):
                order[j] = j
            _sort_by_key(order, order + n, n, u)
            for j in range(n):
                ordered[j] = pool[order[j]]
    try:
        placed_arr, where_arr = _place_pool(ordered, n, columns[2], reach, wanted, rounds)
    except BaseException:
        free(block)
        raise
    cdef int64_t[::1] placed = placed_arr, where = where_arr
    cdef Py_ssize_t k = placed.shape[0]
    filled_arr = np.zeros(a, dtype=np.int64)
    cdef int64_t[::1] filled = filled_arr
    if k:
        with nogil:
            for j in range(k):
                c.status[placed[j]], c.employer[placed[j]], c.tenure[placed[j]] = AGENCY, <int16_t>where[j], 0
                weight[j] = <double>c.fte[placed[j]]
                filled[where[j]] += 1
            _add_flow(&where[0], weight, k, &placed_fte[0], &placed_heads[0], n_flow, sums)
    free(block)
    return placed_arr, filled_arr


def external_cover(const int64_t[::1] wanted, const int64_t[::1] filled, double probability, int64_t shift,
                   int64_t tick, uint64_t key):
    """Councils of the posts still uncovered (post k of council c, for filled[c] <= k < wanted[c], with
    the id ``c << shift | k``) whose draw falls below ``probability`` (see sim.kernels)."""
    cdef Py_ssize_t c, k, total = 0, n = 0
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    if filled.shape[0] < wanted.shape[0]:
        raise IndexError(f"{wanted.shape[0]} councils want posts but {filled.shape[0]} have fills")
    for c in range(wanted.shape[0]):
        if wanted[c] > 0:
            total += wanted[c]
            if wanted[c] > (1 << shift) or (c << shift) >= 2**51:
                raise ValueError(f"post ids too large for the draws (council {c}, shift {shift})")
    out_arr = np.empty(total, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for c in range(wanted.shape[0]):
            for k in range(max(filled[c], 0), wanted[c]):
                out[n] = c
                n += _draw((<uint64_t>((c << shift) | k) << 12) | high, key) < probability
    return out_arr[:n].copy()


def move_outcomes(const int64_t[::1] pick, const int64_t[::1] slots, const int64_t[:, ::1] option,
                  int64_t agency_col, const int16_t[::1] employer, const float[::1] fte, const uint8_t[::1] active,
                  const int64_t[::1] capacity, const double[::1] golden_hello, int64_t tick, uint64_t priority_key,
                  double[::1] boundary_credit, double[::1] council_fte, double[::1] council_heads,
                  double[::1] outside_fte, double[::1] outside_heads, double[::1] starters_fte,
                  double[::1] starters_heads, double[::1] golden_spend, double[::1] agency_fte,
                  double[::1] agency_heads):
    """The searchers' picks turned into moves (see sim.kernels): those to a council rationed by its
    places, the flows and spending recorded, the boundary councils' places used. Returns (movers,
    their origins, destinations and FTEs, whether each stays in the region, the slots going into
    agency work)."""
    cdef Py_ssize_t i, j, m = 0, k = 0, n_ag = 0, n_in = 0, n = slots.shape[0], n_flow = council_fte.shape[0]
    cdef Py_ssize_t n_all = capacity.shape[0], width = option.shape[1]
    cdef int64_t p, d, s
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    cdef int failed = 0, inside_flag
    _check_flows(n_flow, council_heads, outside_fte, outside_heads, starters_fte, starters_heads, golden_spend,
                 agency_fte, agency_heads)
    if pick.shape[0] != n or option.shape[0] != n:
        raise ValueError(f"{n} searchers but {pick.shape[0]} picks and {option.shape[0]} option rows")
    if active.shape[0] < n_all or golden_hello.shape[0] < n_all or boundary_credit.shape[0] < n_all:
        raise IndexError(f"council tables shorter than the {n_all} councils")
    for i in range(n):
        if not 0 <= slots[i] < min(employer.shape[0], fte.shape[0]):
            raise IndexError(f"slot {slots[i]} out of range")
        p = pick[i]
        if 0 < p < agency_col:
            if p - 1 >= width or not 0 <= option[i, p - 1] < n_all:
                raise IndexError(f"pick {p} of searcher {i} is not a council")
            m += 1
        elif p == agency_col and not 0 <= employer[slots[i]] < n_all:
            raise IndexError(f"employer {employer[slots[i]]} of slot {slots[i]} out of range")
    # scratch (one block, not a dozen numpy arrays: this runs every month on a few hundred movers)
    cdef Py_ssize_t big = max(m, n), bytes_m = ((m + 7) // 8) * 8
    cdef char* block = <char*> calloc(8 * (9 * m + n_all + n_flow + 2 * big + n) + 2 * bytes_m + 8, 1)
    if block == NULL:
        raise MemoryError()
    cdef int64_t* cand = <int64_t*> block
    cdef int64_t* dest = cand + m
    cdef int64_t* ids = dest + m
    cdef double* prio = <double*> (ids + m)
    cdef int64_t* count = <int64_t*> (prio + m)  # zeroed by calloc
    cdef double* sums = <double*> (count + n_all)
    cdef int64_t* council = <int64_t*> (sums + n_flow)
    cdef double* value = <double*> (council + big)
    cdef int64_t* movers = <int64_t*> (value + big)
    cdef int64_t* origin = movers + m
    cdef int64_t* to = origin + m
    cdef double* weight = <double*> (to + m)
    cdef int64_t* ag = <int64_t*> (weight + m)
    cdef uint8_t* accepted = <uint8_t*> (ag + n)
    cdef uint8_t* inside = accepted + bytes_m
    with nogil:
        for i in range(n):
            p = pick[i]
            if 0 < p < agency_col:
                cand[k], dest[k], ids[k] = i, option[i, p - 1], slots[i]
                k += 1
        if m:
            _draw_ids(ids, m, high, priority_key, prio)
            failed = _ration(dest, prio, m, &capacity[0], n_all, accepted)
        if not failed:
            k = 0
            for j in range(m):
                if accepted[j]:
                    s = slots[cand[j]]
                    d = dest[j]
                    movers[k], origin[k], to[k], weight[k] = s, employer[s], d, <double>fte[s]
                    inside[k] = active[d] != 0
                    if not inside[k]:
                        count[d] += 1
                    k += 1
            for d in range(n_all):
                if count[d]:
                    boundary_credit[d] -= <double>count[d]
            # leavers to a council in the region, and out of it (by origin); starters (by destination)
            for inside_flag in range(2):
                n_in = 0
                for j in range(k):
                    if inside[j] == (1 - inside_flag):
                        council[n_in], value[n_in] = origin[j], weight[j]
                        n_in += 1
                if inside_flag == 0:
                    _add_flow(council, value, n_in, &council_fte[0], &council_heads[0], n_flow, sums)
                else:
                    _add_flow(council, value, n_in, &outside_fte[0], &outside_heads[0], n_flow, sums)
            n_in = 0
            for j in range(k):
                if inside[j]:
                    council[n_in], value[n_in] = to[j], weight[j]
                    n_in += 1
            _add_flow(council, value, n_in, &starters_fte[0], &starters_heads[0], n_flow, sums)
            for j in range(n_in):
                value[j] = golden_hello[council[j]]
            _add_flow(council, value, n_in, &golden_spend[0], NULL, n_flow, sums)
            for i in range(n):  # into agency work
                if pick[i] == agency_col:
                    s = slots[i]
                    ag[n_ag], council[n_ag], value[n_ag] = s, employer[s], <double>fte[s]
                    n_ag += 1
            _add_flow(council, value, n_ag, &agency_fte[0], &agency_heads[0], n_flow, sums)
    if failed:
        free(block)
        raise MemoryError()
    out = (np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k),
           np.empty(k, dtype=bool), np.empty(n_ag, dtype=np.int64))
    cdef int64_t[::1] out_movers = out[0], out_origin = out[1], out_to = out[2], out_ag = out[5]
    cdef double[::1] out_weight = out[3]
    cdef uint8_t[::1] out_inside = out[4].view(np.uint8)
    if k:
        memcpy(&out_movers[0], movers, k * sizeof(int64_t))
        memcpy(&out_origin[0], origin, k * sizeof(int64_t))
        memcpy(&out_to[0], to, k * sizeof(int64_t))
        memcpy(&out_weight[0], weight, k * sizeof(double))
        memcpy(&out_inside[0], inside, k)
    if n_ag:
        memcpy(&out_ag[0], ag, n_ag * sizeof(int64_t))
    free(block)
    return out


def settle_moves(tuple columns, int32_t never, const int64_t[::1] movers, const int64_t[::1] destination,
                 const uint8_t[::1] inside, int64_t tick):
    """Movers take up their posts: those staying in the region change employer (tenure 0, hired and
    left a permanent post this month); those leaving it are released (see sim.kernels)."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t j, s, n = movers.shape[0]
    if destination.shape[0] != n or inside.shape[0] != n:
        raise ValueError("movers, destinations and flags differ in length")
    for j in range(n):
        if not 0 <= movers[j] < c.n:
            raise IndexError(f"slot {movers[j]} out of range 0..{c.n - 1}")
    with nogil:
        for j in range(n):
            if j + PREFETCH_AHEAD < n:  # scattered slots: start loading those ahead
                _prefetch_slot(&c, movers[j + PREFETCH_AHEAD])
            s = movers[j]
            if inside[j]:
                c.employer[s], c.tenure[s] = <int16_t>destination[j], 0
                c.hired_tick[s], c.left_perm_tick[s] = <int32_t>tick, <int32_t>tick
            else:
                _release_slot(&c, s)


def to_pool(tuple columns, int32_t never, const int64_t[::1] slots, object left_tick):
    """Workers back in (or into) the agency pool: status POOL, no employer, tenure 0, and the month
    they left a permanent post ``left_tick`` unless it is None (see sim.kernels)."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t j, s, n = slots.shape[0]
    cdef bint set_left = left_tick is not None
    cdef int32_t left = <int32_t>left_tick if set_left else 0
    for j in range(n):
        if not 0 <= slots[j] < c.n:
            raise IndexError(f"slot {slots[j]} out of range 0..{c.n - 1}")
    with nogil:
        for j in range(n):
            if j + PREFETCH_AHEAD < n:
                _prefetch_slot(&c, slots[j + PREFETCH_AHEAD])
            s = slots[j]
            c.status[s], c.employer[s], c.tenure[s] = POOL, -1, 0
            if set_left:
                c.left_perm_tick[s] = left


def retally(const int8_t[::1] status, const int16_t[::1] employer, const float[::1] fte, int8_t[::1] seen_status,
            int16_t[::1] seen_employer, float[::1] seen_fte, int64_t[:, ::1] count, double[:, ::1] total,
            list changed, Py_ssize_t used, double[:, :] out):
    """:func:`tally` of the slots in the arrays ``changed`` (all below ``used``), then the counts and
    totals written into the rows of ``out`` (see sim.kernels). Returns how many slots had changed."""
    cdef Py_ssize_t j, i, c, k = 0, n = count.shape[1]
    cdef const int64_t[::1] only
    cdef const uint32_t* bits = NULL
    cdef const uint32_t* seen_bits = NULL
    if not (0 <= used <= min(status.shape[0], employer.shape[0], fte.shape[0], seen_status.shape[0],
                             seen_employer.shape[0], seen_fte.shape[0])):
        raise IndexError(f"{used} slots in use beyond the columns")
    if count.shape[0] != 2 or total.shape[0] != 2 or total.shape[1] != n or out.shape[0] != 4 or out.shape[1] != n:
        raise ValueError("counts and totals must be 2 x councils, out 4 x councils")
    if used:
        bits, seen_bits = <const uint32_t*> &fte[0], <const uint32_t*> &seen_fte[0]
    for slots in changed:
        only = np.ascontiguousarray(slots, dtype=np.int64)
        for j in range(only.shape[0]):
            if not 0 <= only[j] < used:
                raise IndexError(f"slot {only[j]} out of range 0..{used - 1}")
        with nogil:
            for j in range(only.shape[0]):
                if j + PREFETCH_AHEAD < only.shape[0]:  # scattered slots: start loading those ahead
                    i = only[j + PREFETCH_AHEAD]
                    __builtin_prefetch(&status[i])
                    __builtin_prefetch(&employer[i])
                    __builtin_prefetch(&fte[i])
                    __builtin_prefetch(&seen_status[i])
                    __builtin_prefetch(&seen_employer[i])
                    __builtin_prefetch(&seen_fte[i])
                i = only[j]
                if status[i] != seen_status[i] or employer[i] != seen_employer[i] or bits[i] != seen_bits[i]:
                    _retally(i, status, employer, fte, seen_status, seen_employer, seen_fte, count, total)
                    k += 1
    with nogil:
        for c in range(n):
            out[0, c], out[1, c] = <double>count[0, c], total[0, c]
            out[2, c], out[3, c] = <double>count[1, c], total[1, c]
    return k


def new_workers(const int64_t[::1] slots, const int64_t[::1] council, int8_t code, const int64_t[:, ::1] reach,
                int64_t n_active, double elsewhere_share, int64_t zones, int64_t tick, uint64_t pick_key,
                uint64_t home_key, uint64_t point_key, uint64_t experience_key, uint64_t taste_key,
                const double[::1] fte_of_council, bint start, tuple columns, int32_t never, double truncation):
    """:func:`new_worker_columns` and :func:`new_worker_draws` in one pass over the new workers'
    slots, and (if ``start``) their tenure 0 and hiring month ``tick``; returns the experience draws
    times ``-truncation`` and the taste draws kept inside (0, 1) (see sim.kernels)."""
    cdef Columns cols = _columns(columns, never)
    cdef Py_ssize_t i, j, n = slots.shape[0], width = reach.shape[1]
    cdef int64_t c, slot, near
    cdef uint64_t base, high = <uint64_t>(tick + 1) << 44
    cdef double u, x, top = <double>(zones - 1)
    if council.shape[0] != n:
        raise ValueError(f"{n} slots but {council.shape[0]} councils")
    for i in range(n):
        if not 0 <= slots[i] < cols.n:
            raise IndexError(f"slot {slots[i]} out of range 0..{cols.n - 1}")
        if i < PREFETCH_AHEAD:  # the first slots now, the rest ahead in the loop below
            _prefetch_slot(&cols, slots[i])
        if not 0 <= council[i] < reach.shape[0] or (fte_of_council is not None and council[i] >= fte_of_council.shape[0]):
            raise IndexError(f"council {council[i]} out of range")
    experience_arr, taste_arr = np.empty(n), np.empty(n)
    cdef double[::1] experience = experience_arr, taste = taste_arr
    with nogil:
        for i in range(n):
            if i + PREFETCH_AHEAD < n:
                _prefetch_slot(&cols, slots[i + PREFETCH_AHEAD])
            slot, c = slots[i], council[i]
            base = (<uint64_t>slot << 12) | high
            cols.status[slot] = code
            cols.employer[slot] = <int16_t>c
            j = <Py_ssize_t>(_draw(base, pick_key) * width)
            near = reach[c, j]
            if near < 0 or near >= n_active:
                near = c
            u = _draw(base, home_key)
            cols.home[slot] = <int16_t>(near if u < elsewhere_share else c)
            cols.fte[slot] = <float>fte_of_council[c] if fte_of_council is not None else 1.0
            x = floor(_draw(base, point_key) * <double>zones)
            x = x if x < top else top
            cols.home_zone[slot] = <int16_t>(cols.home[slot] * zones + <int64_t>x)
            experience[i] = -_draw(base, experience_key) * truncation
            u = _draw(base, taste_key)
            u = u if u >= 1e-300 else 1e-300  # (a draw is never NaN)
            taste[i] = u if u <= 1 - 2.0**-53 else 1 - 2.0**-53
            if start:
                cols.tenure[slot], cols.hired_tick[slot] = 0, <int32_t>tick
    return experience_arr, taste_arr


def finish_new_workers(const int64_t[::1] slots, const double[::1] log_share, double scale, double least,
                       const uint8_t[::1] new_qualifier, const double[::1] taste, int16_t[::1] pq,
                       float[::1] taste_pay):
    """New workers' months since qualifying, ``floor(scale x log_share + least)`` (0 for new
    qualifiers, and for all if ``log_share`` is None), and their taste for pay (see sim.kernels)."""
    cdef Py_ssize_t i, s, n = slots.shape[0]
    if taste.shape[0] != n or (log_share is not None and log_share.shape[0] != n) or (
            new_qualifier is not None and new_qualifier.shape[0] != n):
        raise ValueError("slots, experience, new qualifiers and tastes differ in length")
    for i in range(n):
        if not 0 <= slots[i] < min(pq.shape[0], taste_pay.shape[0]):
            raise IndexError(f"slot {slots[i]} out of range")
    with nogil:
        for i in range(n):
            s = slots[i]
            if log_share is None or (new_qualifier is not None and new_qualifier[i]):
                pq[s] = 0
            else:
                pq[s] = <int16_t>floor(scale * log_share[i] + least)
            taste_pay[s] = <float>taste[i]


def eligible_pool(const int8_t[::1] status, const int16_t[::1] pq, const int32_t[::1] left_perm_tick, Py_ssize_t used,
                  double min_pq, double cooldown, int64_t tick):
    """Slots below ``used`` in the agency pool who may be placed: at least ``min_pq`` months qualified
    and ``cooldown`` months since they left a permanent post (see sim.kernels)."""
    cdef Py_ssize_t base, i, k = 0
    cdef uint64_t mask
    if not 0 <= used <= min(status.shape[0], pq.shape[0], left_perm_tick.shape[0]):
        raise IndexError(f"{used} slots in use beyond the columns")
    out_arr = np.empty(used, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t j, listed
    if used:
        with nogil:
            listed = _list_status(&status[0], used, POOL, &out[0], used, 0)
            for j in range(listed):
                i = out[j]
                out[k] = i
                k += (<double>pq[i] >= min_pq) & (<double>(tick - left_perm_tick[i]) >= cooldown)
    return out_arr[:k].copy()


def pool_exits(tuple columns, int32_t never, Py_ssize_t used, double probability, int64_t tick, uint64_t key):
    """Agency workers between placements (below ``used``) whose draw falls below ``probability`` leave
    the market: released (see sim.kernels). Returns their slots."""
    cdef Columns c = _columns(columns, never)
    cdef Py_ssize_t j, k = 0
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    if not 0 <= used <= c.n:
        raise IndexError(f"{used} slots in use of {c.n}")
    out_arr = np.empty(used, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    if used:
        with nogil:
            k = _pick_status(c.status, used, POOL, probability, high, key, &out[0])
            if k > 0:
                for j in range(k):
                    if j + PREFETCH_AHEAD < k:
                        _prefetch_slot(&c, out[j + PREFETCH_AHEAD])
                    _release_slot(&c, out[j])
    if k < 0:
        raise MemoryError()
    return out_arr[:k].copy()


def offer_terms(const uint8_t[::1] active, const double[::1] caseload, const double[::1] fixed_caseload,
                double reference_caseload, double minus_b_caseload, double b_ofsted, const double[::1] reputation,
                const double[::1] vacancy_fte, const double[::1] perm_fte, const double[::1] fixed_vacancy_rate,
                double offer_rate):
    """Per council, what a searcher weighs and whether they hear of a post (see sim.kernels): the
    council's term of the utility, the probability of hearing of a post, and whether it has one."""
    cdef Py_ssize_t c, n = active.shape[0]
    cdef double x, denom
    if min(caseload.shape[0], fixed_caseload.shape[0], reputation.shape[0], vacancy_fte.shape[0], perm_fte.shape[0],
           fixed_vacancy_rate.shape[0]) < n:
        raise IndexError("council tables shorter than the councils")
    term_arr, prob_arr, has_arr = np.empty(n), np.empty(n), np.empty(n, dtype=np.uint8)
    cdef double[::1] term = term_arr, prob = prob_arr
    cdef uint8_t[::1] has = has_arr
    with nogil:
        for c in range(n):
            x = caseload[c] if active[c] else fixed_caseload[c]
            term[c] = minus_b_caseload * (x - reference_caseload) + b_ofsted * reputation[c]
            if active[c]:
                denom = vacancy_fte[c] + perm_fte[c]
                x = vacancy_fte[c] / denom if denom > 0 else 0.0
                has[c] = vacancy_fte[c] >= 0.5
            else:
                x = fixed_vacancy_rate[c]
                has[c] = fixed_vacancy_rate[c] > 0
            x = offer_rate * x
            prob[c] = 1.0 if 1.0 <= x else x  # np.minimum(1.0, x) (NaN stays)
    return term_arr, prob_arr, has_arr.view(bool)


def attraction_exponent(const double[::1] reputation, const double[::1] log_pay, double w_reputation, double w_pay,
                        double mean_log_pay):
    """The exponent of the councils' pull on outside recruits (see sim.kernels)."""
    cdef Py_ssize_t c, n = reputation.shape[0]
    if log_pay.shape[0] < n:
        raise IndexError("council tables shorter than the councils")
    out_arr = np.empty(n)
    cdef double[::1] out = out_arr
    with nogil:
        for c in range(n):
            out[c] = w_reputation * (reputation[c] - 0.5) + w_pay * (log_pay[c] - mean_log_pay)
    return out_arr


def fill_probability(const double[::1] pull_now, const double[::1] pull_census, const double[::1] hire_identity,
                     const double[::1] leavers_12, const double[::1] prior, const double[::1] perm_fte,
                     int64_t months, const double[::1] vacancy_fte, const double[::1] fte_ratio,
                     const int64_t[::1] posts, const double[::1] extra, double hire_per_leaver, double fill_rate,
                     double max_fill):
    """The probability that each vacant post of a council is filled from outside this month (see
    sim.kernels)."""
    cdef Py_ssize_t c, n = pull_now.shape[0]
    cdef double x, turnover, y
    if min(pull_census.shape[0], hire_identity.shape[0], leavers_12.shape[0], prior.shape[0], perm_fte.shape[0],
           vacancy_fte.shape[0], fte_ratio.shape[0], posts.shape[0], extra.shape[0]) < n:
        raise IndexError("council tables shorter than the councils")
    out_arr = np.empty(n)
    cdef double[::1] out = out_arr
    with nogil:
        for c in range(n):
            x = perm_fte[c]
            turnover = leavers_12[c] + prior[c] * x * <double>(12 - months) / 12
            turnover = turnover / (x if x >= 1e-9 or x != x else 1e-9) if x > 0 else prior[c]
            y = pull_census[c]
            y = hire_identity[c] * (pull_now[c] / (y if y >= 1e-12 or y != y else 1e-12)) * (
                hire_per_leaver * (turnover * x / 12) + fill_rate * vacancy_fte[c])
            y = y / fte_ratio[c] / <double>(posts[c] if posts[c] >= 1 else 1) + extra[c]
            out[c] = max_fill if max_fill <= y else y  # np.minimum(max_fill, y) (NaN stays)
    return out_arr


def overload_exponent(const double[::1] caseload, double tolerable, double per_case, const double[::1] log_pay,
                      const double[::1] base_log_pay, double pay_elasticity):
    """``per_case x max(0, caseload - tolerable) - pay_elasticity x (log_pay - base_log_pay)`` per council
    (the second term left out if ``log_pay`` is None; see sim.kernels)."""
    cdef Py_ssize_t c, n = caseload.shape[0]
    cdef double x
    if log_pay is not None and (log_pay.shape[0] < n or base_log_pay is None or base_log_pay.shape[0] < n):
        raise IndexError("council tables shorter than the councils")
    out_arr = np.empty(n)
    cdef double[::1] out = out_arr
    with nogil:
        for c in range(n):
            x = caseload[c] - tolerable
            x = 0.0 if 0.0 >= x else x  # np.maximum(0.0, x) (NaN stays)
            out[c] = per_case * x
            if log_pay is not None:
                out[c] = out[c] - pay_elasticity * (log_pay[c] - base_log_pay[c])
    return out_arr


def hazard_rows(const double[::1] leave_identity, const double[::1] factor, const int64_t[::1] grade,
                double inadequate_multiplier, double nq, double mid, double late):
    """The exit hazard per (career stage, council) from the councils' factors (see sim.kernels)."""
    cdef Py_ssize_t c, r, n = leave_identity.shape[0]
    cdef double x, y
    cdef double base[3]
    base[0], base[1], base[2] = nq, mid, late
    if factor.shape[0] < n or grade.shape[0] < n:
        raise IndexError("council tables shorter than the councils")
    out_arr = np.empty((3, n))
    cdef double[:, ::1] out = out_arr
    with nogil:
        for c in range(n):
            x = leave_identity[c] * factor[c]
            if grade[c] == 3:
                x = x * inadequate_multiplier
            for r in range(3):
                y = base[r] * x
                out[r, c] = 1.0 if 1.0 <= y else y  # np.minimum(1.0, y) (NaN stays)
    return out_arr


def agency_cover(const double[::1] base_fte, const double[::1] drift_factor, double staffing, double cases_weight,
                 double posts_weight, double year, const double[::1] perm_census, const double[::1] perm_year1_change,
                 const double[::1] perm_fte, const double[::1] cases, const double[::1] case_holder_share,
                 const double[::1] caseload_norm, const double[::1] gap0, const double[::1] need_factor,
                 const double[::1] establishment, const double[::1] establishment_census,
                 const double[::1] establishment_year1_change, const double[::1] cap_fte, const double[::1] cap_share):
    """Agency FTE each council seeks this month, within its caps (see sim.kernels)."""
    cdef Py_ssize_t c, n = base_fte.shape[0]
    cdef double x, need, holders, norm
    if min(drift_factor.shape[0], perm_census.shape[0], perm_year1_change.shape[0], perm_fte.shape[0],
           cases.shape[0], case_holder_share.shape[0], caseload_norm.shape[0], gap0.shape[0], need_factor.shape[0],
           establishment.shape[0],
           establishment_census.shape[0], establishment_year1_change.shape[0], cap_fte.shape[0],
           cap_share.shape[0]) < n:
        raise IndexError("council tables shorter than the councils")
    out_arr = np.empty(n)
    cdef double[::1] out = out_arr
    with nogil:
        for c in range(n):
            norm = caseload_norm[c]
            norm = norm if norm >= 1.0 or norm != norm else 1.0  # np.maximum(norm, 1.0)
            holders = case_holder_share[c]
            holders = holders if holders >= 1e-9 or holders != holders else 1e-9
            need = cases[c] / (holders * norm) - (gap0[c] + perm_census[c]) * need_factor[c]
            x = (base_fte[c] * drift_factor[c]
                 + staffing * (perm_census[c] + perm_year1_change[c] * year - perm_fte[c]) + cases_weight * need
                 + posts_weight * (establishment[c] - establishment_census[c] - establishment_year1_change[c] * year))
            x = 0.0 if 0.0 >= x else x  # np.maximum(0.0, x) (NaN stays)
            x = x if x <= cap_fte[c] or x != x else cap_fte[c]  # np.minimum(x, cap)
            if -INFINITY < cap_share[c] < INFINITY:  # a share cap (np.isfinite)
                need = cap_share[c] * perm_fte[c]
                x = x if x <= need or x != x else need
            out[c] = x
    return out_arr
