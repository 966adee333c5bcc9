// `stsrelay queue list|show|delete|retry|flush`: the queue through its own read connection
// (queue::Reader), safe while the daemon runs; like Postfix's mailq and postqueue.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "queue/store.hpp"
#include "src/app/cli/cli_common.hpp"
#include "src/app/cli/queue_format.hpp"
#include "src/delivery/job_route.hpp"

namespace stsrelay::app {
namespace {

// Runs `body` with a Reader on <state_dir>/queue.db; prints what went wrong otherwise.
int with_reader(const CliContext& ctx, const std::function<int(queue::Reader&)>& body) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  return with_state_db(std::filesystem::path(config->queue.state_dir) / "queue.db",
                       "queue database", "the daemon creates it when it starts",
                       [](const std::filesystem::path& path) { return queue::Reader::open(path); },
                       body);
}

int run_list(const CliContext& ctx, const ListShowOptions& o) {
  return with_reader(ctx, [&](queue::Reader& reader) {
    auto messages = reader.list();
    if (!messages) return report_failure(messages.error());
    std::cout << (o.json ? format_queue_json(*messages) : format_queue_text(*messages))
              << std::flush;
    return kExitOk;
  });
}

// Each recipient's route under the configuration as it is now (what the next attempt follows).
std::vector<std::string> recipient_routes(const CliContext& ctx, const queue::MessageDetail& d) {
  std::vector<std::string> out;
  auto config = load_config_for_cli(ctx);
  if (!config) return out;
  const delivery::RouteTable table(config->routes);
  for (const auto& r : d.message.recipients) {
    out.push_back(table.describe(delivery::address_domain(r.address),
                                 delivery::address_domain(d.message.sender)));
  }
  return out;
}

int run_show(const CliContext& ctx, const ListShowOptions& o) {
  return with_reader(ctx, [&](queue::Reader& reader) {
    auto detail = reader.show(o.id);
    if (!detail) return report_failure(detail.error());
    const std::vector<std::string> routes = recipient_routes(ctx, *detail);
    std::cout << (o.json ? format_message_json(*detail, routes)
                         : format_message_text(*detail, routes))
              << std::flush;
    return kExitOk;
  });
}

int run_delete(const CliContext& ctx, const ListShowOptions& o) {
  return with_reader(ctx, [&](queue::Reader& reader) {
    if (auto done = reader.remove(o.id); !done) return report_failure(done.error());
    std::cout << o.id << ": deleted\n";
    return kExitOk;
  });
}

int run_retry(const CliContext& ctx, const ListShowOptions& o) {
  return with_reader(ctx, [&](queue::Reader& reader) {
    if (auto done = reader.retry(o.id); !done) return report_failure(done.error());
    std::cout << o.id << ": pending recipients are due now\n";
    return kExitOk;
  });
}

int run_flush(const CliContext& ctx) {
  return with_reader(ctx, [&](queue::Reader& reader) {
    auto count = reader.flush();
    if (!count) return report_failure(count.error());
    std::cout << *count << (*count == 1 ? " recipient is" : " recipients are") << " due now\n";
    return kExitOk;
  });
}

}  // namespace

void add_queue_commands(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<ListShowOptions>();
  CLI::App* q = app.add_subcommand("queue", "list and manage the mail queue");
  q->require_subcommand(1);

  CLI::App* list = q->add_subcommand("list", "list queued messages (like mailq)");
  list->add_flag("--json", options->json, "print a JSON array");
  run_when_chosen(*list, ctx, [&ctx, options] { return run_list(ctx, *options); });

  CLI::App* show = q->add_subcommand("show", "show one message: envelope and headers");
  show->add_option("ID", options->id, "queue id")->required();
  show->add_flag("--json", options->json, "print a JSON object");
  run_when_chosen(*show, ctx, [&ctx, options] { return run_show(ctx, *options); });

  CLI::App* del = q->add_subcommand("delete", "delete a message without notice to its sender");
  del->add_option("ID", options->id, "queue id")->required();
  run_when_chosen(*del, ctx, [&ctx, options] { return run_delete(ctx, *options); });

  CLI::App* retry = q->add_subcommand("retry", "make a message's pending recipients due now");
  retry->add_option("ID", options->id, "queue id")->required();
  run_when_chosen(*retry, ctx, [&ctx, options] { return run_retry(ctx, *options); });

  CLI::App* flush = q->add_subcommand("flush", "make every pending recipient due now");
  run_when_chosen(*flush, ctx, [&ctx] { return run_flush(ctx); });
}

}  // namespace stsrelay::app
