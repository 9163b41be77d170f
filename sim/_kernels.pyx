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
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy
from libc.math cimport floor

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
    /* Loops of many draws, compiled twice on x86-64 with GCC 12 or later: for any CPU, and for
       CPUs with AVX-512 (x86-64-v4), which does 8 draws at once. csw_select_isa picks the version at
       import. The arithmetic is on integers, so both give the same bits (tests compare them). */
    #define CSW_RUN_LOOP for (Py_ssize_t j = 0; j < n; j++) out[j] = csw_draw(((uint64_t)(first + j) << 12) | high, key);
    #define CSW_IDS_LOOP for (Py_ssize_t j = 0; j < n; j++) out[j] = csw_draw(((uint64_t)ids[j] << 12) | high, key);
    static void csw_draw_run_any(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_RUN_LOOP }
    static void csw_draw_ids_any(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_IDS_LOOP }
    #if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12  /* ISA levels in cpu_supports */
    #define CSW_HAVE_V4 1
    __attribute__((target("arch=x86-64-v4")))
    static void csw_draw_run_v4(int64_t first, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_RUN_LOOP }
    __attribute__((target("arch=x86-64-v4")))
    static void csw_draw_ids_v4(const int64_t* ids, Py_ssize_t n, uint64_t high, uint64_t key, double* out) { CSW_IDS_LOOP }
    #else
    #define CSW_HAVE_V4 0
    #endif
    /* The monthly exit and search decisions of the slots first, ..., first + n - 1, branch-free
       (so the compiler vectorises them, draws and table look-ups together): flag[j] = 1 if slot
       first + j is permanent (status 1) and decides to leave or to search. The table indices of
       other slots (employer or home -1) are clamped into the tables: their flag is 0 anyway. GCC
       vectorises the table look-ups (gathers) only with 32-bit indices and restrict pointers. */
    #define CSW_CLAMP(x, size) ((x) < 0 ? 0 : ((x) < (size) ? (x) : (size) - 1))
    #define CSW_EXIT_LOOP for (Py_ssize_t j = 0; j < n; j++) { \
        int64_t i = first + j; \
        int p = pq[i], e = CSW_CLAMP((int)employer[i], ncol); \
        double h = table[((p >= 24) + (p >= 300)) * ncol + e]; \
        double u = csw_draw(((uint64_t)i << 12) | high, key); \
        flag[j] = (status[i] == 1) & ((u < h) | (p >= career)); }
    #define CSW_SEARCH_LOOP for (Py_ssize_t j = 0; j < n; j++) { \
        int64_t i = first + j; \
        int p = pq[i], e = CSW_CLAMP((int)employer[i], cols), h = CSW_CLAMP((int)home[i], rows); \
        double r = rate[h * row_step + e * col_step]; \
        r = r * ((18 <= p) & (p < 36) ? early : 1.0);  /* x 1.0 is exact */ \
        r = r < 1.0 ? r : 1.0; \
        double u = csw_draw(((uint64_t)i << 12) | high, key); \
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
    void _exit_flags "csw_exit_flags"(const int8_t* status, const int16_t* employer, const int16_t* pq,
                                      const double* table, int ncol, int64_t career, int64_t first, Py_ssize_t n,
                                      uint64_t high, uint64_t key, uint8_t* flag) noexcept nogil
    void _search_flags "csw_search_flags"(const int8_t* status, const int16_t* employer, const int16_t* home,
                                          const int16_t* pq, const double* rate, int rows, int cols,
                                          int row_step, int col_step, double early, int64_t first,
                                          Py_ssize_t n, uint64_t high, uint64_t key, uint8_t* flag) noexcept nogil
    int csw_select_isa(int allow)
    int csw_v4  # whether the AVX-512 loops are in use
    int __builtin_ctzll(unsigned long long) nogil  # GCC and Clang: index of the lowest set bit

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
    FLAG_CHUNK = 2048  # slots flagged per call of the C loops (the flags stay in the L1 cache)


cdef inline Py_ssize_t _flagged(const uint8_t* flag, Py_ssize_t first, Py_ssize_t n, int64_t* out,
                                Py_ssize_t k) noexcept nogil:
    """Append to ``out`` (from ``k``) the slots ``first + j`` with ``flag[j]`` set; returns the new length."""
    cdef Py_ssize_t base
    cdef uint64_t mask
    for base in range(0, n, 64):
        mask = _status_mask(<const int8_t*> flag, base, n, 1)
        while mask:
            out[k] = first + base + __builtin_ctzll(mask)
            mask &= mask - 1
            k += 1
    return k


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
    """Slots with status ``code`` whose draw falls below ``probability`` (ascending)."""
    cdef Py_ssize_t base, i, k = 0, n = status.shape[0]
    cdef uint64_t mask, high = <uint64_t>(tick + 1) << 44
    cdef double u[64]
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for base in range(0, n, 64):
            mask = _status_mask(&status[0], base, n, code)
            _draws_for(mask, base, n, high, key, u)
            while mask:
                i = base + __builtin_ctzll(mask)
                mask &= mask - 1
                out[k] = i
                k += u[i - base] < probability
    return out_arr[:k].copy()


def placed_at(const int8_t[::1] status, const int16_t[::1] employer, int8_t code, const uint8_t[::1] council):
    """Slots with status ``code`` whose employer is flagged in ``council`` (ascending)."""
    cdef Py_ssize_t base, i, k = 0, n = status.shape[0]
    cdef uint64_t mask
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for base in range(0, n, 64):
            mask = _status_mask(&status[0], base, n, code)
            while mask:
                i = base + __builtin_ctzll(mask)
                mask &= mask - 1
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


def ration_sorted(const int64_t[::1] order, const int64_t[::1] destination, const int64_t[::1] capacity,
                  int64_t[::1] taken, uint8_t[::1] accepted):
    """Visit applicants in ``order``; accept each while its destination has capacity left."""
    cdef Py_ssize_t j, i, d
    with nogil:
        for j in range(order.shape[0]):
            i = order[j]
            d = destination[i]
            if taken[d] < capacity[d]:
                taken[d] += 1
                accepted[i] = 1


def option_table(const int64_t[::1] slots, const int16_t[::1] employer, const int16_t[::1] home,
                 const float[::1] taste, const int64_t[:, ::1] reach, const double[::1] log_pay,
                 const double[::1] offer_log_pay, const double[::1] council_term, const double[:, ::1] dist_km,
                 const double[::1] offer_probability, const uint8_t[::1] has_vacancy, const double[::1] pending,
                 const uint8_t[::1] agency_ok, double b_pay, double b_commute, double switching_cost,
                 double log_agency_premium, double agency_constant, double ofsted_half, int64_t tick,
                 uint64_t offer_key, double[:, ::1] utility, uint8_t[:, ::1] available, int64_t[:, ::1] option):
    """Utilities and availability of [stay, each council in reach, agency] for each searcher."""
    cdef Py_ssize_t i, j, width = reach.shape[1]
    cdef int64_t e, h, o, slot
    cdef double b, heard
    cdef uint64_t high = <uint64_t>(tick + 1) << 44
    with nogil:
        for i in range(slots.shape[0]):
            slot, e, h = slots[i], employer[slots[i]], home[slots[i]]
            b = b_pay * <double>taste[slot]
            utility[i, 0] = b * log_pay[e] + council_term[e] - b_commute * dist_km[h, e] + b * pending[i]
            available[i, 0] = 1
            for j in range(width):
                o = reach[h, j]
                o = o if o >= 0 else 0
                option[i, j] = o
                heard = _draw((<uint64_t>slot << 12) | <uint64_t>j | high, offer_key)
                # & rather than "and": no branches to mispredict
                available[i, j + 1] = ((reach[h, j] >= 0) & (o != e) & (heard < offer_probability[o])
                                       & (has_vacancy[o] != 0))
                utility[i, j + 1] = b * offer_log_pay[o] + council_term[o] - b_commute * dist_km[h, o] - switching_cost
            utility[i, width + 1] = b * (log_pay[e] + log_agency_premium) + agency_constant + ofsted_half - switching_cost
            available[i, width + 1] = agency_ok[i]


def logit_shift(const double[:, ::1] utility, const uint8_t[:, ::1] available, double[::1] out,
                int32_t[::1] column, int64_t[::1] count):
    """The utilities of the available options, row by row, less their row's largest, packed into
    ``out`` (unavailable options have weight 0 and are left out: numpy's exp of -inf is slow), with
    the column of each in ``column`` and each row's number in ``count``. Returns how many were
    written. Availability follows no pattern, so the loops are branch-free; the row's largest is
    kept in four running maxima (independent, so they overlap in the pipeline; a maximum is exact
    in any order, and a tie between 0.0 and -0.0 changes no weight after exp)."""
    cdef Py_ssize_t i, j, k = 0, first, m = utility.shape[1], m4 = m - m % 4
    cdef double x, t0, t1, t2, t3
    cdef double minus_inf = -float("inf")
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
    cdef Py_ssize_t base, i, n = status.shape[0]
    cdef uint64_t mask
    cdef int64_t pool = 0
    cdef int16_t alive, step = 1 if age else 0
    flags_arr = np.empty(n, dtype=np.int8)
    cdef int8_t[::1] flag = flags_arr
    with nogil:
        for i in range(n):
            flag[i] = (status[i] == PERM) & (pq[i] < 12)  # before ageing
            pool += status[i] == POOL
            alive = step * (status[i] != FREE)
            pq[i] += alive
            tenure[i] += alive
        for base in range(0, n, 64):
            mask = _status_mask(&flag[0], base, n, 1)
            while mask:
                i = base + __builtin_ctzll(mask)
                mask &= mask - 1
                nq_fte[employer[i]] += fte[i]
    return pool


def first_with_status(const int8_t[::1] status, int8_t code, Py_ssize_t n):
    """The first ``n`` slots (ascending) with status ``code``, or all of them if fewer."""
    cdef Py_ssize_t base, k = 0, size = status.shape[0]
    cdef uint64_t mask
    out_arr = np.empty(max(0, min(n, size)), dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for base in range(0, size, 64):
            if k >= n:
                break
            mask = _status_mask(&status[0], base, size, code)
            while mask and k < n:
                out[k] = base + __builtin_ctzll(mask)
                mask &= mask - 1
                k += 1
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
    """Agency workers between placements matched to the posts councils want, round by round (see
    sim.kernels). Each round first picks every unplaced worker's council against the posts open at
    the start of the round, then accepts them in priority order while their council has posts left
    (what the numpy version's rationing by destination, then priority, gives). Open posts never
    increase, so a worker with none in reach in one round has none later and is not looked at again.
    A worker's council depends only on their home's reach row, so it is found once per home and
    round (when a worker from that home first needs it) and shared by the others from there."""
    cdef Py_ssize_t n = pool.shape[0], a = wanted.shape[0], width = reach.shape[1]
    cdef Py_ssize_t r, i, j, q, k = 0, n_left = n, n_kept
    cdef int64_t c, cc, h, best, most, v, any_open
    cdef bint inside, better
    round_of_arr = np.full(reach.shape[0], -1, dtype=np.int64)  # the round each home's council was found in
    choice_arr = np.empty(reach.shape[0], dtype=np.int64)  # and that council
    cdef int64_t[::1] round_of = round_of_arr, choice = choice_arr
    open_arr = np.array(wanted, dtype=np.int64)
    taken_arr = np.zeros(a, dtype=np.int64)
    left_arr = np.arange(n, dtype=np.int64)  # positions in pool still unplaced, ascending
    dest_arr = np.empty(n, dtype=np.int64)
    placed_arr = np.empty(n, dtype=np.int64)
    where_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] open_posts = open_arr, taken = taken_arr, left = left_arr, dest = dest_arr
    cdef int64_t[::1] placed = placed_arr, where = where_arr
    for i in range(n):
        if not 0 <= home[pool[i]] < reach.shape[0]:
            raise IndexError(f"home council {home[pool[i]]} of slot {pool[i]} out of range 0..{reach.shape[0] - 1}")
    with nogil:
        for r in range(rounds):
            any_open = 0
            for c in range(a):
                any_open |= open_posts[c]
            if n_left == 0 or any_open == 0:
                break
            for q in range(n_left):  # the council each applies to (-1: none with a post open)
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
    return placed_arr[:k].copy(), where_arr[:k].copy()


def od_table(const int64_t[::1] origin, const int64_t[::1] destination, const double[::1] fte, int64_t n_all):
    """Rows (origin, destination, heads, FTE) of the distinct pairs, by origin then destination."""
    cdef Py_ssize_t i, j, k = -1, n = origin.shape[0]
    key_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] key = key_arr
    for i in range(n):
        key[i] = origin[i] * n_all + destination[i]
    cdef const int64_t[::1] order = np.argsort(key_arr, kind="stable")  # ties keep their order
    cdef Py_ssize_t distinct = 0
    for j in range(n):
        distinct += j == 0 or key[order[j]] != key[order[j - 1]]
    out_arr = np.zeros((distinct, 4))
    cdef double[:, ::1] out = out_arr
    for j in range(n):
        i = order[j]
        if j == 0 or key[i] != key[order[j - 1]]:
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
