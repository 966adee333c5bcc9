#include "src/app/config/signing_keys_load.hpp"

#include "src/core/domain_name.hpp"
#include "src/dkim/key_file.hpp"

namespace stsrelay::app {

core::Result<std::shared_ptr<const dkim::SigningKeys>> load_signing_keys(const DkimConfig& dkim) {
  std::vector<dkim::SigningKey> keys;
  for (std::size_t i = 0; i < dkim.sign.size(); ++i) {
    const DkimSignConfig& s = dkim.sign[i];
    const std::string name = s.where + ": dkim.sign[" + std::to_string(i) + "]";
    auto domain = core::normalize_domain(s.domain);
    if (!domain) return core::Error::invalid(name + ".domain: " + domain.error().message);
    auto key = dkim::load_dkim_key(s.key_file);
    if (!key) return core::Error{key.error().kind, name + ".key_file: " + key.error().message};
    keys.push_back({*domain, s.selector, std::move(*key), s.key_file});
  }
  auto set = dkim::SigningKeys::make(std::move(keys));
  if (!set) return core::Error::invalid("dkim.sign: " + set.error().message);
  return std::make_shared<const dkim::SigningKeys>(std::move(*set));
}

}  // namespace stsrelay::app
