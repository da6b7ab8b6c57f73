#include "fed_config.h"

#include "field_reader.h"

namespace strata::cli {
namespace {

class FedReader : public FieldReader {
 public:
  using FieldReader::FieldReader;

  void read(FedConfig& c) const {
    const YAML::Node doc = load_document();
    const YAML::Node f = doc["federated"];
    if (!f.IsDefined() || f.IsNull())
      fail(doc, "federated", "the config has no 'federated' section (see docs/federated.md)");
    check_section(f, "federated", false);
    check_keys(f, "federated",
               {"clients", "partition", "alpha", "shards_per_client", "min_size", "rounds", "client_fraction",
                "local_epochs", "batch_size", "algorithm", "mu", "dropout", "secure_aggregation", "frac_bits",
                "eval_every", "dp"});
    read(f, "federated", "clients", c.clients);
    positive(f, "clients", c.clients);
    if (f["partition"].IsDefined())
      c.partition = name_of(f["partition"], "federated.partition", "iid", {"iid", "dirichlet", "shards"});
    if (read(f, "federated", "alpha", c.alpha) && c.alpha <= 0)
      fail(f["alpha"], "federated.alpha",
           fmt::format("field 'federated.alpha' must be > 0, got {}", c.alpha));
    read(f, "federated", "shards_per_client", c.shards_per_client);
    positive(f, "shards_per_client", c.shards_per_client);
    read(f, "federated", "min_size", c.min_size);
    if (c.min_size < 0) fail(f["min_size"], "federated.min_size", "field 'federated.min_size' must be >= 0");
    read(f, "federated", "rounds", c.rounds);
    positive(f, "rounds", c.rounds);
    read(f, "federated", "eval_every", c.eval_every);
    positive(f, "eval_every", c.eval_every);
    fed::FederatedOptions& o = c.options;
    if (read(f, "federated", "client_fraction", o.client_fraction) &&
        !(o.client_fraction > 0 && o.client_fraction <= 1))
      fail(f["client_fraction"], "federated.client_fraction",
           fmt::format("field 'federated.client_fraction' must be in (0, 1], got {}", o.client_fraction));
    read(f, "federated", "local_epochs", o.local.epochs);
    positive(f, "local_epochs", o.local.epochs);
    read(f, "federated", "batch_size", o.local.batch_size);
    positive(f, "batch_size", o.local.batch_size);
    if (f["algorithm"].IsDefined())
      c.algorithm = name_of(f["algorithm"], "federated.algorithm", "fedavg", {"fedavg", "fedprox"});
    const bool has_mu = read(f, "federated", "mu", o.local.mu);
    if (c.algorithm == "fedavg" && has_mu && o.local.mu != 0)
      fail(f["mu"], "federated.mu",
           "field 'federated.mu' applies to algorithm fedprox (fedavg has no proximal term)");
    if (c.algorithm == "fedprox" && !(o.local.mu > 0))
      fail(has_mu ? f["mu"] : f["algorithm"], has_mu ? "federated.mu" : "federated.algorithm",
           "algorithm fedprox needs 'federated.mu' > 0 (e.g. 0.01)");
    if (read(f, "federated", "dropout", o.dropout) && !(o.dropout >= 0 && o.dropout < 1))
      fail(f["dropout"], "federated.dropout",
           fmt::format("field 'federated.dropout' must be in [0, 1), got {}", o.dropout));
    read(f, "federated", "secure_aggregation", o.secure_aggregation);
    if (read(f, "federated", "frac_bits", o.frac_bits) && (o.frac_bits < 0 || o.frac_bits > 40))
      fail(f["frac_bits"], "federated.frac_bits",
           fmt::format("field 'federated.frac_bits' must be in [0, 40], got {}", o.frac_bits));
    const YAML::Node dp = f["dp"];
    if (dp.IsDefined() && !dp.IsNull()) {
      check_section(dp, "federated.dp", false);
      check_keys(dp, "federated.dp", {"max_grad_norm", "noise_multiplier", "delta"});
      fed::DpSgdOptions d;
      if (read(dp, "federated.dp", "max_grad_norm", d.max_grad_norm) && !(d.max_grad_norm > 0))
        fail(dp["max_grad_norm"], "federated.dp.max_grad_norm",
             "field 'federated.dp.max_grad_norm' must be > 0");
      if (read(dp, "federated.dp", "noise_multiplier", d.noise_multiplier) && !(d.noise_multiplier >= 0))
        fail(dp["noise_multiplier"], "federated.dp.noise_multiplier",
             "field 'federated.dp.noise_multiplier' must be >= 0");
      if (read(dp, "federated.dp", "delta", o.delta) && !(o.delta > 0 && o.delta < 1))
        fail(dp["delta"], "federated.dp.delta",
             fmt::format("field 'federated.dp.delta' must be in (0, 1), got {}", o.delta));
      o.local.dp = d;
    }
    if (c.base.scheduler.name.size())
      fail(doc["scheduler"], "scheduler",
           "'scheduler' does not apply to strata federate (clients train a few local steps per round)");
  }

 private:
  template <typename T>
  void positive(const YAML::Node& f, const char* key, T value) const {
    if (value < 1)
      fail(f[key], std::string("federated.") + key,
           fmt::format("field 'federated.{}' must be at least 1, got {}", key, value));
  }
  using FieldReader::read;
};

}  // namespace

FedConfig load_fed_config(const std::string& path, const std::vector<Override>& overrides) {
  FedConfig c;
  c.base = load_config(path, overrides);
  FedReader(path, overrides).read(c);
  c.options.seed = c.base.training.seed;
  return c;
}

}  // namespace strata::cli
