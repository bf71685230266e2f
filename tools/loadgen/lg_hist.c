/* lg_hist.c — log-linear latency histogram (see lg_hist.h). */
#include "lg_hist.h"

static unsigned idx_of(uint64_t v)
{
	unsigned msb, shift;
	uint64_t mant;
	if (v < 256)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v); /* >= 8 */
	shift = msb - 7;                          /* mant in [128, 256) */
	mant = v >> shift;
	if (shift > 40)
		return LG_HIST_N - 1;
	return 256 + (shift - 1) * LG_HIST_SUB + (unsigned)(mant - 128);
}

static uint64_t upper_of(unsigned idx)
{
	unsigned k, shift;
	uint64_t mant;
	if (idx < 256)
		return idx;
	k = idx - 256;
	shift = k / LG_HIST_SUB + 1;
	mant = k % LG_HIST_SUB + 128;
	return ((mant + 1) << shift) - 1;
}

void lg_hist_add(struct lg_hist *h, uint64_t us)
{
	h->b[idx_of(us)]++;
	h->count++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

void lg_hist_merge(struct lg_hist *into, const struct lg_hist *from)
{
	for (unsigned i = 0; i < LG_HIST_N; i++)
		into->b[i] += from->b[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t lg_hist_quantile(const struct lg_hist *h, double q)
{
	uint64_t want, seen = 0;
	if (!h->count)
		return 0;
	want = (uint64_t)(q * (double)h->count + 0.999999);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < LG_HIST_N; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t u = upper_of(i);
			return u > h->max ? h->max : u;
		}
	}
	return h->max;
}
