/*
 * Inkling's worker helper: hands the free pages glibc's heap keeps back to the system.
 *
 * With ONNX Runtime's arena off, its activations come and go through malloc; a block left at the
 * top of glibc's heap pins every free page below it, and a 135M model's worker kept 40-65 MB it
 * no longer used (bench/workerMemoryBench.ts --commands, README "memory"). glibc's free() trims
 * only the heap's top; malloc_trim(0) also releases free pages inside it. Node cannot call it, so
 * the worker loads this N-API module where it was built (Linux with glibc); elsewhere it is absent
 * and the worker runs without it.
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* trim(): true when memory was released to the system. */
static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
