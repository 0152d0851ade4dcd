#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/status.h"

namespace tdm {

// Topic names. Frontier messages are keyed by page host, image refs by image
// host, matches by subject, so one consumer owns a host's politeness at a time.
inline constexpr std::string_view kFrontierTopic = "tdm.frontier";
inline constexpr std::string_view kImagesTopic = "tdm.images";
inline constexpr std::string_view kMatchesTopic = "tdm.matches";

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

// Publishes to Kafka. Publish() only queues; Flush() returns ok once every
// queued message is acknowledged by the broker. Not thread-safe.
class Producer {
 public:
  virtual ~Producer() = default;
  virtual Status Publish(std::string_view topic, std::string_view key, std::string_view value) = 0;
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
};

// Consumes one or more topics as a member of a consumer group. A message
// published to an idle partition reaches the consumer within ~25 ms (the
// broker's fetch wait), not the client's default half second: tdm's topics
// are work queues whose latency adds up along a crawl. Offsets are
// committed only by Commit(), after the caller has made its effects durable:
// a message whose batch was not committed is delivered again. Not thread-safe.
class Consumer {
 public:
  virtual ~Consumer() = default;
  // Returns up to `max` messages, waiting at most `timeout` for the first.
  virtual Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) = 0;
  // Commits, per partition, the offset after the highest message given.
  virtual Status Commit(const std::vector<Message>& done) = 0;
};

struct KafkaConfig {
  std::string bootstrap;  // "host:port,host:port"
  std::string client_id = "tdm";
};

// `warm_topics`: topics whose metadata is fetched now, so that the first
// message to each does not wait for it (~1 s on the embedded broker).
Result<std::unique_ptr<Producer>> MakeKafkaProducer(
    const KafkaConfig& config, const std::vector<std::string>& warm_topics = {});
Result<std::unique_ptr<Consumer>> MakeKafkaConsumer(const KafkaConfig& config,
                                                    const std::string& group_id,
                                                    const std::vector<std::string>& topics);

// An in-process Kafka cluster (librdkafka's mock cluster) listening on random
// loopback ports: the embedded broker of `tdm up` and of integration tests.
// It speaks the real Kafka protocol to other processes. Keeps messages in
// memory only (about 5 MB per partition), so it carries references, never bytes.
class EmbeddedKafka {
 public:
  struct TopicSpec {
    std::string name;
    int partitions;
  };
  static Result<std::unique_ptr<EmbeddedKafka>> Start(int brokers,
                                                      const std::vector<TopicSpec>& topics);
  virtual ~EmbeddedKafka() = default;
  virtual std::string bootstrap() const = 0;
};

// The topics of tdm with their partition counts.
std::vector<EmbeddedKafka::TopicSpec> DefaultTopics();

}  // namespace tdm
