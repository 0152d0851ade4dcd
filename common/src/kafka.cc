#include "tdm/common/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <map>
#include <set>
#include <utility>

namespace tdm {
namespace {

using Clock = std::chrono::steady_clock;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

Status SetAll(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& values) {
  char err[512];
  for (const auto& [k, v] : values) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      return Status::InvalidArgument("kafka config " + k + ": " + err);
    }
  }
  return Status::Ok();
}

void LogCallback(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 3) {
    spdlog::warn("kafka {}: {}", fac, buf);
  } else {
    spdlog::debug("kafka {}: {}", fac, buf);
  }
}

class KafkaProducer final : public Producer {
 public:
  explicit KafkaProducer(rd_kafka_t* rk) : rk_(rk) {}
  ~KafkaProducer() override {
    rd_kafka_flush(rk_, 5000);
    rd_kafka_destroy(rk_);
  }

  Status Publish(std::string_view topic, std::string_view key, std::string_view value) override {
    const std::string topic_name(topic);
    for (int attempt = 0;; ++attempt) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(this), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
        rd_kafka_poll(rk_, 100);
        continue;
      }
      return Status::Unavailable(std::string("kafka produce to ") + topic_name + ": " +
                                 rd_kafka_err2str(err));
    }
  }

  Status Flush(std::chrono::milliseconds timeout) override {
    rd_kafka_resp_err_t err = rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(std::string("kafka flush: ") + rd_kafka_err2str(err));
    }
    if (failed_ > 0) {
      int n = failed_;
      failed_ = 0;
      return Status::Unavailable("kafka: " + std::to_string(n) +
                                 " message(s) not delivered: " + last_error_);
    }
    return Status::Ok();
  }

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR || m->_private == nullptr) return;
    auto* self = static_cast<KafkaProducer*>(m->_private);
    ++self->failed_;
    self->last_error_ = rd_kafka_err2str(m->err);
  }

 private:
  rd_kafka_t* rk_;
  int failed_ = 0;
  std::string last_error_;
};

// Partitions taken from this consumer by a rebalance, noted by the rebalance
// callback (which librdkafka runs inside rd_kafka_consumer_poll).
struct Revocations {
  std::set<std::pair<std::string, int32_t>> revoked;
};

void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, partitions);
    }
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    auto* r = static_cast<Revocations*>(opaque);
    for (int i = 0; i < partitions->cnt; ++i) {
      r->revoked.insert({partitions->elems[i].topic, partitions->elems[i].partition});
    }
  }
  if (cooperative) {
    rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions);
    if (e != nullptr) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

class KafkaConsumer final : public Consumer {
 public:
  KafkaConsumer(rd_kafka_t* rk, std::unique_ptr<Revocations> revocations)
      : rk_(rk), revocations_(std::move(revocations)) {}
  ~KafkaConsumer() override {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) override {
    std::vector<Message> out;
    revocations_->revoked.clear();  // only revocations during this call matter
    const auto deadline = Clock::now() + timeout;
    while (out.size() < max) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      // Once something arrived, only drain what is already buffered.
      int wait_ms = out.empty() ? static_cast<int>(std::max<int64_t>(left.count(), 0)) : 0;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait_ms);
      if (m == nullptr) {
        if (!out.empty() || Clock::now() >= deadline) break;
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          spdlog::warn("kafka consume: {}", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      Message msg;
      msg.topic = rd_kafka_topic_name(m->rkt);
      msg.partition = m->partition;
      msg.offset = m->offset;
      if (m->key) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) msg.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_message_destroy(m);
      out.push_back(std::move(msg));
    }
    // A partition revoked while this batch was gathered now belongs to
    // another member, which starts from the last committed offset: its
    // messages are left to it, so that no two members work on one host.
    if (!revocations_->revoked.empty()) {
      std::erase_if(out, [&](const Message& m) {
        return revocations_->revoked.count({m.topic, m.partition}) > 0;
      });
      revocations_->revoked.clear();
    }
    return out;
  }

  Status Commit(const std::vector<Message>& done) override {
    if (done.empty()) return Status::Ok();
    std::map<std::pair<std::string, int32_t>, int64_t> next;
    for (const auto& m : done) {
      auto& o = next[{m.topic, m.partition}];
      o = std::max(o, m.offset + 1);
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(next.size());
    for (const auto& [tp, offset] : next) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // After a rebalance the partition may belong to another member now; it
      // will see the messages again, which idempotent consumers tolerate.
      return Status::Unavailable(std::string("kafka commit: ") + rd_kafka_err2str(err));
    }
    return Status::Ok();
  }

 private:
  rd_kafka_t* rk_;
  std::unique_ptr<Revocations> revocations_;
};

class MockCluster final : public EmbeddedKafka {
 public:
  MockCluster(rd_kafka_t* rk, rd_kafka_mock_cluster_t* mc) : rk_(rk), mc_(mc) {}
  ~MockCluster() override {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstrap() const override { return rd_kafka_mock_cluster_bootstraps(mc_); }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* mc_;
};

Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, ConfPtr conf) {
  rd_kafka_conf_set_log_cb(conf.get(), LogCallback);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.release(), err, sizeof(err));
  if (rk == nullptr) return Status::Unavailable(std::string("kafka client: ") + err);
  return rk;
}

}  // namespace

Result<std::unique_ptr<Producer>> MakeKafkaProducer(const KafkaConfig& config,
                                                    const std::vector<std::string>& warm_topics) {
  if (config.bootstrap.empty()) return Status::InvalidArgument("kafka bootstrap list is empty");
  ConfPtr conf(rd_kafka_conf_new());
  Status s = SetAll(conf.get(), {{"bootstrap.servers", config.bootstrap},
                                 {"client.id", config.client_id},
                                 {"enable.idempotence", "true"},
                                 {"linger.ms", "5"},
                                 {"message.timeout.ms", "30000"}});
  if (!s.ok()) return s;
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::OnDelivery);
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf));
  if (!rk.ok()) return rk.status();
  for (const std::string& topic : warm_topics) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(*rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    // A failure only means the first publish waits for the metadata itself.
    if (t != nullptr && rd_kafka_metadata(*rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
    }
    if (t != nullptr) rd_kafka_topic_destroy(t);
  }
  return std::unique_ptr<Producer>(new KafkaProducer(*rk));
}

Result<std::unique_ptr<Consumer>> MakeKafkaConsumer(const KafkaConfig& config,
                                                    const std::string& group_id,
                                                    const std::vector<std::string>& topics) {
  if (config.bootstrap.empty()) return Status::InvalidArgument("kafka bootstrap list is empty");
  ConfPtr conf(rd_kafka_conf_new());
  Status s = SetAll(conf.get(), {{"bootstrap.servers", config.bootstrap},
                                 {"client.id", config.client_id},
                                 {"group.id", group_id},
                                 {"enable.auto.commit", "false"},
                                 {"auto.offset.reset", "earliest"},
                                 {"session.timeout.ms", "6000"},
                                 {"heartbeat.interval.ms", "500"},
                                 {"fetch.wait.max.ms", "25"},
                                 {"topic.metadata.refresh.interval.ms", "2000"}});
  if (!s.ok()) return s;
  auto revocations = std::make_unique<Revocations>();
  rd_kafka_conf_set_rebalance_cb(conf.get(), &OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), revocations.get());
  auto rk = NewHandle(RD_KAFKA_CONSUMER, std::move(conf));
  if (!rk.ok()) return rk.status();
  rd_kafka_poll_set_consumer(*rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(topics.size());
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(*rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  auto consumer = std::unique_ptr<Consumer>(new KafkaConsumer(*rk, std::move(revocations)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(std::string("kafka subscribe: ") + rd_kafka_err2str(err));
  }
  return consumer;
}

Result<std::unique_ptr<EmbeddedKafka>> EmbeddedKafka::Start(int brokers,
                                                            const std::vector<TopicSpec>& topics) {
  ConfPtr conf(rd_kafka_conf_new());
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf));
  if (!rk.ok()) return rk.status();
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(*rk, brokers);
  if (mc == nullptr) {
    rd_kafka_destroy(*rk);
    return Status::Unavailable("could not start the embedded kafka cluster");
  }
  auto cluster = std::make_unique<MockCluster>(*rk, mc);
  for (const auto& t : topics) {
    int replication = std::min(brokers, 3);
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(mc, t.name.c_str(), t.partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable("embedded kafka topic " + t.name + ": " + rd_kafka_err2str(err));
    }
  }
  return std::unique_ptr<EmbeddedKafka>(std::move(cluster));
}

std::vector<EmbeddedKafka::TopicSpec> DefaultTopics() {
  return {{std::string(kFrontierTopic), 6},
          {std::string(kImagesTopic), 6},
          {std::string(kMatchesTopic), 3}};
}

}  // namespace tdm
