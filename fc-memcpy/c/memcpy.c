/*
 * memcpy and memmove for fc's static musl binaries on x86_64 (README.md): copies of up
 * to 32 bytes load everything before storing anything, with two overlapping moves of
 * the widest size that fits; up to 256 bytes go 16 at a time with the last 16 loaded
 * first; longer copies are `rep movsb`, which the CPU runs fast at those lengths.
 */
#include <stddef.h>
#include <stdint.h>
#include <emmintrin.h>

typedef unsigned char u8;
/* Unaligned, aliasing-safe loads and stores (GCC and Clang). */
typedef uint64_t __attribute__((aligned(1), may_alias)) u64u;
typedef uint32_t __attribute__((aligned(1), may_alias)) u32u;
typedef uint16_t __attribute__((aligned(1), may_alias)) u16u;

/* n <= 32: every load before any store, so overlapping buffers are copied right. */
static inline void copy_short(u8 *d, const u8 *s, size_t n) {
    if (n >= 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(s + n - 16));
        _mm_storeu_si128((__m128i *)d, a);
        _mm_storeu_si128((__m128i *)(d + n - 16), b);
    } else if (n >= 8) {
        uint64_t a = *(const u64u *)s, b = *(const u64u *)(s + n - 8);
        *(u64u *)d = a;
        *(u64u *)(d + n - 8) = b;
    } else if (n >= 4) {
        uint32_t a = *(const u32u *)s, b = *(const u32u *)(s + n - 4);
        *(u32u *)d = a;
        *(u32u *)(d + n - 4) = b;
    } else if (n >= 2) {
        uint16_t a = *(const u16u *)s, b = *(const u16u *)(s + n - 2);
        *(u16u *)d = a;
        *(u16u *)(d + n - 2) = b;
    } else if (n == 1) {
        *d = *s;
    }
}

/* Front to back: also right for a destination before an overlapping source. */
static void copy_forward(u8 *d, const u8 *s, size_t n) {
    if (n <= 32) {
        copy_short(d, s, n);
    } else if (n <= 256) {
        __m128i last = _mm_loadu_si128((const __m128i *)(s + n - 16));
        for (size_t i = 0; i + 16 < n; i += 16)
            _mm_storeu_si128((__m128i *)(d + i), _mm_loadu_si128((const __m128i *)(s + i)));
        _mm_storeu_si128((__m128i *)(d + n - 16), last);
    } else {
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    }
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    u8 *d = dst;
    const u8 *s = src;
    /* No overlap, or the destination first: front to back. */
    if ((uintptr_t)d - (uintptr_t)s >= n) {
        copy_forward(d, s, n);
        return dst;
    }
    if (n <= 32) {
        copy_short(d, s, n);
        return dst;
    }
    /* The destination inside the source: back to front, the first 16 loaded first. */
    __m128i first = _mm_loadu_si128((const __m128i *)s);
    size_t i = n;
    while (i > 16) {
        i -= 16;
        _mm_storeu_si128((__m128i *)(d + i), _mm_loadu_si128((const __m128i *)(s + i)));
    }
    _mm_storeu_si128((__m128i *)d, first);
    return dst;
}
