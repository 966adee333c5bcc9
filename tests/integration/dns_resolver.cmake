# The c-ares resolver against a real DNS server (dns_server.py, python3-dnslib) inside a private
# network namespace: netns_run -> dns_resolver_run (starts the server) -> dns_resolver_test.
# Included from tests/integration/CMakeLists.txt.
add_executable(dns_resolver_test ${CMAKE_CURRENT_SOURCE_DIR}/dns_resolver_test.cpp)
target_link_libraries(dns_resolver_test PRIVATE stsrelay_net stsrelay_test_support GTest::gtest)
add_test(NAME integration_dns_resolver
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/netns_run
    ${CMAKE_CURRENT_SOURCE_DIR}/dns_resolver_run $<TARGET_FILE:dns_resolver_test>)
set_tests_properties(integration_dns_resolver PROPERTIES
  LABELS integration
  TIMEOUT 300
  SKIP_RETURN_CODE 77
  ENVIRONMENT "STSRELAY_TEST_PYTHON=${STSRELAY_TEST_PYTHON}")
