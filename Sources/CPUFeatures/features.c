// Compiled for the baseline x86-64 (no -march): it must run on any CPU,
// including one the rest of the build cannot run on.
#include "CPUFeatures.h"

#if defined(__x86_64__) || defined(__i386__)
#define NAME(name, macro) name,
static const char *const names[] = {RNNSCOPE_CPU_FEATURES(NAME)};
#define COUNT ((int)(sizeof names / sizeof names[0]))

int rnnscope_cpu_feature_count(void) { return COUNT; }

const char *rnnscope_cpu_feature_name(int bit) { return bit >= 0 && bit < COUNT ? names[bit] : ""; }

unsigned long long rnnscope_host_cpu_features(void) {
    __builtin_cpu_init();
    unsigned long long bits = 0;
    int bit = 0;
    // __builtin_cpu_supports takes only a literal, hence one test per line of the list.
#define HAS(name, macro) bits |= (unsigned long long)(__builtin_cpu_supports(name) ? 1 : 0) << bit++;
    RNNSCOPE_CPU_FEATURES(HAS)
    return bits;
}
#else
int rnnscope_cpu_feature_count(void) { return 0; }
const char *rnnscope_cpu_feature_name(int bit) { (void)bit; return ""; }
unsigned long long rnnscope_host_cpu_features(void) { return 0; }
#endif
