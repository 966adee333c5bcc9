# The project files each libFuzzer target runs: the parser under test and what it calls, and
# nothing else. With STSRELAY_FUZZ=ON a target compiles exactly these (with coverage, ASan and
# UBSan) instead of linking its module library, so the fuzz build compiles about thirty files,
# not every module with its Asio and Beast sessions; that keeps scripts/fuzz within minutes on a
# fresh machine. A list that misses a file fails the fuzz build's link with the undefined symbol:
# add the .cpp that defines it. A target without a list links its whole module (slow, but right).
# The regression build (STSRELAY_FUZZ=OFF) always links the module library and ignores this file.

# The text helpers of src/core (ASCII, UTF-8, log quoting) that most parsers call.
set(fuzz_core_text src/core/ascii.cpp src/core/log_quote.cpp src/core/utf8.cpp)

set(fuzz_sources_fuzz_app_config
  src/app/config/config_parser.cpp src/app/config/config_source.cpp
  src/app/config/config_validate.cpp src/app/config/duration.cpp src/app/config/toml_reader.cpp
  src/net/cidr.cpp src/net/dns_servers.cpp src/net/dns_types.cpp src/net/listen_address.cpp
  src/net/tls_result.cpp src/delivery/route_table.cpp sts/enforcement.cpp sts/mx_match.cpp
  sts/result_type.cpp tlsrpt/contact_address.cpp src/core/domain_name.cpp src/db/pg_conninfo.cpp
  ${fuzz_core_text})

set(fuzz_sources_fuzz_net_dns_message
  src/net/dns_message.cpp src/net/dns_types.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_queue_dsn_fields
  queue/dsn_fields.cpp queue/xtext.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_queue_xtext
  queue/xtext.cpp)

set(fuzz_sources_fuzz_smtp_address
  smtp/address.cpp src/core/domain_name.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_command
  smtp/address.cpp smtp/command.cpp smtp/esmtp_params.cpp smtp/line_reader.cpp smtp/reply.cpp
  smtp/sasl.cpp smtp/server_protocol.cpp smtp/server_protocol_auth.cpp
  src/core/base64.cpp src/core/domain_name.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_client_auth
  smtp/client_auth.cpp smtp/reply_parser.cpp src/core/base64.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_data_reader
  smtp/data_reader.cpp smtp/text.cpp)

set(fuzz_sources_fuzz_smtp_esmtp_params
  smtp/esmtp_params.cpp smtp/reply.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_long_lines
  smtp/crlf_lines.cpp smtp/line_breaking.cpp smtp/long_lines.cpp smtp/mime_entity.cpp
  smtp/mime_header.cpp smtp/quoted_printable.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_tls_required
  smtp/crlf_lines.cpp smtp/mime_header.cpp smtp/tls_required_header.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_smtp_reply
  smtp/client_capabilities.cpp smtp/reply_parser.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_sts_policy_parser
  sts/field_syntax.cpp sts/mx_match.cpp sts/policy_parser.cpp src/core/domain_name.cpp
  ${fuzz_core_text})

set(fuzz_sources_fuzz_sts_tlsa_match
  sts/tlsa_match.cpp src/net/tlsa_forms.cpp)

set(fuzz_sources_fuzz_sts_txt_record
  sts/field_syntax.cpp sts/txt_record.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_tlsrpt_rua_record
  sts/field_syntax.cpp sts/txt_record.cpp tlsrpt/rua_record.cpp ${fuzz_core_text})

set(fuzz_sources_fuzz_dkim_canon
  src/dkim/author.cpp src/dkim/canon.cpp src/dkim/tag_list.cpp src/core/domain_name.cpp
  ${fuzz_core_text})

set(fuzz_sources_fuzz_delivery_route_table
  src/delivery/route_table.cpp src/net/dns_types.cpp src/core/domain_name.cpp ${fuzz_core_text})
