// The x86 instruction-set extensions a build of rnnscope may be compiled to use,
// and which of them the running CPU has. The simulation modules are compiled for
// one CPU (Package.swift's `-target-cpu`, the building machine's own unless
// RNNSCOPE_CPU names another); on a CPU without one of its extensions the first
// such instruction kills the program (SIGILL), even for `--version`. The
// command checks first and says so in one line instead.
#ifndef RNNSCOPE_CPU_FEATURES_H
#define RNNSCOPE_CPU_FEATURES_H

// One entry per extension: its name for __builtin_cpu_supports, and the macro
// the compiler defines when it may use it. Bit i of a mask is entry i; the
// widest vectors come first, so that a refusal names them first.
#define RNNSCOPE_CPU_FEATURES(F) \
    F("avx512f", __AVX512F__) F("avx512bw", __AVX512BW__) F("avx512dq", __AVX512DQ__) \
    F("avx512vl", __AVX512VL__) F("avx512cd", __AVX512CD__) F("avx512ifma", __AVX512IFMA__) \
    F("avx512vbmi", __AVX512VBMI__) F("avx512vbmi2", __AVX512VBMI2__) F("avx512vnni", __AVX512VNNI__) \
    F("avx512bitalg", __AVX512BITALG__) F("avx512vpopcntdq", __AVX512VPOPCNTDQ__) \
    F("avx512bf16", __AVX512BF16__) F("avx512vp2intersect", __AVX512VP2INTERSECT__) \
    F("avx2", __AVX2__) F("fma", __FMA__) F("avx", __AVX__) F("f16c", __F16C__) \
    F("sse4.2", __SSE4_2__) F("popcnt", __POPCNT__) F("bmi", __BMI__) F("bmi2", __BMI2__) \
    F("lzcnt", __LZCNT__) F("movbe", __MOVBE__) F("adx", __ADX__) F("sha", __SHA__) \
    F("gfni", __GFNI__) F("vaes", __VAES__) F("vpclmulqdq", __VPCLMULQDQ__) F("avxvnni", __AVXVNNI__)

/// How many extensions the list names (0 where the machine is not x86).
int rnnscope_cpu_feature_count(void);

/// The name of extension `bit`, as `lscpu` and the compiler spell it.
const char *rnnscope_cpu_feature_name(int bit);

/// The extensions the running CPU has (and its operating system enables), one bit each.
unsigned long long rnnscope_host_cpu_features(void);

#endif
