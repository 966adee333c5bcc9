# The shared stores (src/db PostgreSQL client, tlsrpt's shared counters) against a real
# PostgreSQL: netns_root_run -> pg_store_run.py (starts the server as `postgres`) ->
# pg_store_test. Skipped (77) when not run as real root. Included from
# tests/integration/CMakeLists.txt.
add_executable(pg_store_test ${CMAKE_CURRENT_SOURCE_DIR}/pg_store_test.cpp)
target_link_libraries(pg_store_test PRIVATE stsrelay_tlsrpt stsrelay_db GTest::gtest_main)
add_test(NAME integration_pg_store
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/netns_root_run
    ${STSRELAY_TEST_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/pg_store_run.py
    $<TARGET_FILE:pg_store_test>)
set_tests_properties(integration_pg_store PROPERTIES
  LABELS integration
  TIMEOUT 300
  SKIP_RETURN_CODE 77)
# The shared MTA-STS policy cache and refresh leases (sts/shared_policy_store.hpp).
target_sources(pg_store_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/pg_policy_store_test.cpp)
target_link_libraries(pg_store_test PRIVATE stsrelay_sts)
# The fleet's TLS-RPT reports and their deliveries (tlsrpt/pg_report_store.hpp).
target_sources(pg_store_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/pg_report_store_test.cpp)
