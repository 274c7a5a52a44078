// The tests' read-committed reader of a whole topic: Apache Kafka's own Java consumer
// (kafka-clients, from the local broker's libraries), isolation.level=read_committed, every
// partition from its start to its end. Prints "key|value" per record (null as empty); with a
// third argument `headers`, "key|value|name=value;..." with the headers sorted by name.
// WHY not kafkajs: its read-committed filter let records of an aborted transaction through
// when several transactions interleave (seen in the scale-out tests; Java read the same topics
// exactly), and a test's reader must be the reference, not a suspect.
// Run in source-file mode: java -cp "<kafka lib>/*" ReadCommitted.java <bootstrap> <topic> [headers]

import java.nio.charset.StandardCharsets;
import java.io.PrintStream;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ReadCommitted {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    boolean withHeaders = args.length > 2 && args[2].equals("headers");
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      c.partitionsFor(args[1]).forEach(i -> tps.add(new TopicPartition(args[1], i.partition())));
      c.assign(tps);
      c.seekToBeginning(tps);
      // Under read_committed, the end offsets are the last stable offsets.
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 60_000;
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + args[1]);
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          String line = (r.key() == null ? "" : r.key()) + "|" + (r.value() == null ? "" : r.value());
          if (withHeaders) {
            TreeMap<String, String> hs = new TreeMap<>();
            for (Header h : r.headers()) hs.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            hs.forEach((k, v) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(v));
            line += "|" + b;
          }
          out.println(line);
        }
      }
    }
    out.flush();
  }
}
