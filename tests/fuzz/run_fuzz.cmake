# run_fuzz.cmake — one fuzz.run.<target> ctest: copies the seed corpus to WORK/corpus (new
# inputs land there, never in the source tree) and runs the libFuzzer binary FUZZER for
# SECONDS. A crash fails the test; the reproducer is WORK/crash-* (add it to the corpus).
# cmake -DFUZZER=… -DCORPUS=… -DWORK=… -DSECONDS=… [-DDICT=…] -P run_fuzz.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(COPY ${CORPUS}/ DESTINATION ${WORK}/corpus)
set(args -max_total_time=${SECONDS} -max_len=65536 -timeout=20 -rss_limit_mb=2560
    -artifact_prefix=${WORK}/ -print_final_stats=1)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}): see ${WORK}/ for the crashing input")
endif()
