# The MTA-STS policy fetcher and the HTTPS client against real servers (nginx over HTTP/2 and
# HTTP/1.1, a python3-dnslib DNS server, a stalled TCP server) inside a private network
# namespace: netns_run -> policy_fetch_run.py (starts them) -> policy_fetch_test.
# Included from tests/integration/CMakeLists.txt.
add_executable(policy_fetch_test ${CMAKE_CURRENT_SOURCE_DIR}/policy_fetch_test.cpp)
target_link_libraries(policy_fetch_test PRIVATE stsrelay_sts stsrelay_net GTest::gtest_main)
add_test(NAME integration_policy_fetch
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/netns_run --addrs 10
    ${STSRELAY_TEST_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/policy_fetch_run.py
    $<TARGET_FILE:policy_fetch_test>)
set_tests_properties(integration_policy_fetch PROPERTIES
  LABELS integration
  TIMEOUT 300
  SKIP_RETURN_CODE 77)
