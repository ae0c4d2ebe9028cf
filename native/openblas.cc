// Process-wide OpenBLAS setup and the thread and configuration exports. OpenBLAS is linked statically, so
// this copy belongs to the addon alone; its state is per process, shared by every environment (main thread
// and workers) that loads the addon, hence std::call_once and no per-environment copy.
#include "openblas.h"

#include <cblas.h>
#include <cpuid.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "check.h"
#include "export.h"

// OpenBLAS's internal core-selection entry points (driver/others/dynamic.c, DYNAMIC_ARCH builds only). Weak,
// so a build against a single-target OpenBLAS still links; they are then null and we leave the core alone.
extern "C" {
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace nb {

namespace {

const char* coreTypeSource = "openblas";  // written once inside call_once, read-only afterwards
std::once_flag openblasOnce;

std::string lower(const char* s) {
  std::string out(s != nullptr ? s : "");
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isAvx512Core(const std::string& core) { return core == "skylakex" || core == "cooperlake" || core == "sapphirerapids"; }

// The CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels use, and the OS saves the ZMM state on a context
// switch. libgcc's __builtin_cpu_supports already checks XCR0 (its cpuinfo.o runs xgetbv), but the OS part is
// the one whose absence crashes (SIGILL), so it is checked explicitly too: OSXSAVE, then XCR0 bits 1-2 (SSE,
// AVX state) and 5-7 (opmask, ZMM0-15 upper halves, ZMM16-31).
bool cpuAndOsSupportAvx512() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512cd")) {
    return false;
  }
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & bit_OSXSAVE) == 0) return false;
  unsigned xcr0Low, xcr0High;
  __asm__ volatile("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
  return (xcr0Low & 0xE6u) == 0xE6u;
}

// OpenBLAS 0.3.21 does not know Zen 5 (and other recent AVX-512 CPUs) and falls back to its Haswell (AVX2)
// kernels; its SkylakeX kernels run sgemm ~1.7× faster there. OPENBLAS_CORETYPE would select them, but it is
// read only when OpenBLAS initializes, in the static library's constructor, before any code of ours runs.
// So we re-run the selection: in dynamic.c, gotoblas_dynamic_quit() only clears the `gotoblas` table pointer,
// and gotoblas_dynamic_init() reads OPENBLAS_CORETYPE, picks the table and calls its init() (which sets the
// blocking parameters in that table). Nothing else depends on the core: memory.c's buffers have a fixed,
// core-independent size and are allocated lazily, and the thread server (blas_thread_init) only runs jobs
// handed to it. This runs before the addon's first BLAS call and inside call_once, so no BLAS call is in flight.
void selectCoreType() {
  const char* userCore = std::getenv("OPENBLAS_CORETYPE");
  if (userCore != nullptr && userCore[0] != '\0') {
    coreTypeSource = "user";
    return;
  }
  if (gotoblas_dynamic_init == nullptr || gotoblas_dynamic_quit == nullptr) return;
  if (std::strstr(openblas_get_config(), "DYNAMIC_ARCH") == nullptr) return;
  if (isAvx512Core(lower(openblas_get_corename()))) return;
  if (!cpuAndOsSupportAvx512()) return;
  // setenv/unsetenv are not thread-safe against concurrent getenv; this runs once, while the first addon
  // instance loads, and the variable exists only for the duration of the re-initialization.
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  unsetenv("OPENBLAS_CORETYPE");
  if (isAvx512Core(lower(openblas_get_corename()))) coreTypeSource = "neuroblas";
}

std::atomic<int> configured{1};

// Parses a thread count from the environment; 0 when absent or not an integer in [1, 1024].
int threadsFromEnv(const char* name) {
  const char* s = std::getenv(name);
  if (s == nullptr || s[0] == '\0') return 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  if (*end != '\0' || n < 1 || n > 1024) return 0;
  return static_cast<int>(n);
}

// One thread by default. A training process is rarely alone: servers run several requests, users run several
// trainings, libuv's pool shares the cores, and OpenBLAS's threads spin while waiting, so extra threads mostly
// oversubscribe. Measured on the MLP shapes this library trains, 2 threads gave at most 1.08× and made some
// shapes slower. NEUROBLAS_NUM_THREADS (ours) wins; OPENBLAS_NUM_THREADS is respected as the user's choice
// (OpenBLAS has already applied it at its own initialization).
void selectThreads() {
  const int ours = threadsFromEnv("NEUROBLAS_NUM_THREADS");
  if (ours > 0) {
    openblas_set_num_threads(ours);
  } else if (threadsFromEnv("OPENBLAS_NUM_THREADS") == 0) {
    openblas_set_num_threads(1);
  }
  configured.store(openblas_get_num_threads());
}

}  // namespace

void initOpenblasOnce() {
  std::call_once(openblasOnce, [] {
    selectCoreType();
    selectThreads();
  });
}

int configuredThreads() { return configured.load(std::memory_order_relaxed); }

// Process-wide: OpenBLAS has one thread count, so a worker that sets it sets it for all.
Napi::Value setNumThreadsBinding(const Napi::CallbackInfo& info) {
  Args a(info, "setNumThreads", 1);
  const int64_t n = a.size(0, "n");
  if (n < 1 || n > 1024) fail("ERR_INVALID_ARG", "setNumThreads: n must be an integer in [1, 1024], got " + std::to_string(n));
  configured.store(static_cast<int>(n));
  openblas_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}
NB_EXPORT(setNumThreads, setNumThreadsBinding);

Napi::Value getNumThreadsBinding(const Napi::CallbackInfo& info) {
  Args a(info, "getNumThreads", 0);
  return Napi::Number::New(info.Env(), configuredThreads());
}
NB_EXPORT(getNumThreads, getNumThreadsBinding);

Napi::Value openblasInfoBinding(const Napi::CallbackInfo& info) {
  Args a(info, "openblasInfo", 0);
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("config", Napi::String::New(env, openblas_get_config()));
  out.Set("coreName", Napi::String::New(env, openblas_get_corename()));
  out.Set("coreTypeSource", Napi::String::New(env, coreTypeSource));
  out.Set("threads", Napi::Number::New(env, configuredThreads()));
  return out;
}
NB_EXPORT(openblasInfo, openblasInfoBinding);

}  // namespace nb
