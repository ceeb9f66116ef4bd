//! Typed trigger events end to end: each documented trigger's sample, sent to a real
//! server as FC sends it, reaches an `#[fc::invoke]` function as its `fc::events` type.

use crate::common;

use bytes::Bytes;
use common::{Resp, start};
use fc::events::{
    ApiGatewayRequest, ApiGatewayResponse, AsyncDestinationEvent, Cbor, CdnEvent, CloudEventBatch,
    DataHubEvent, DtsData, HttpTriggerEvent, HttpTriggerResponse, KafkaData, MnsQueueEvent,
    MnsTopicEvent, MnsTopicStreamEvent, MqttData, OssEvent, RabbitMqData, RocketMqData, SlsEvent,
    TablestoreEvent, TimerEvent, payloads,
};
use serde_json::{Value, json};

/// Starts a server with `routes`, sends one invocation, stops the server.
async fn invoke(routes: fc::Routes, request_id: &str, body: impl Into<Bytes>) -> Resp {
    let server = start(routes.into()).await;
    let resp = server.invoke(request_id, body).await;
    server.stop().await;
    resp
}

/// A real trigger payload's JSON, from `fc::events::payloads`.
fn payload(name: &str) -> &'static str {
    payloads::find(name)
        .and_then(payloads::Payload::text)
        .unwrap_or_else(|| panic!("no JSON payload {name}"))
}

#[fc::invoke]
async fn on_timer(ev: TimerEvent) -> String {
    format!("{} {} {}", ev.trigger_name, ev.trigger_time, ev.payload)
}

#[tokio::test]
async fn timer() {
    let resp = invoke(fc::routes![on_timer], "ev-timer", payload("timer")).await;
    resp.expect_ok();
    assert_eq!(resp.text(), "timer-trigger 2018-02-09T05:49:00Z awesome-fc");
}

#[fc::invoke]
async fn on_upload(ev: OssEvent) -> Result<Vec<String>, fc::Error> {
    if ev.events.is_empty() {
        return Err("no events".into());
    }
    Ok(ev
        .events
        .iter()
        .map(|r| {
            format!(
                "{} {}/{} {} bytes",
                r.event_name, r.oss.bucket.name, r.oss.object.key, r.oss.object.size
            )
        })
        .collect())
}

#[tokio::test]
async fn oss() {
    let resp = invoke(fc::routes![on_upload], "ev-oss", payload("oss")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!(["ObjectCreated:PutObject testbucket/image/a.jpg 122539 bytes"])
    );
}

#[tokio::test]
async fn malformed_event_names_the_field() {
    let mut event: Value = serde_json::from_str(payload("oss")).unwrap();
    event["events"][0]["oss"]["object"]["size"] = json!("large");
    let resp = invoke(fc::routes![on_upload], "ev-oss-bad", event.to_string()).await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "InvalidEvent");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with(
            "invalid event: events[0].oss.object.size: invalid type: string \"large\", expected u64"
        ),
        "{message}"
    );

    let mut event: Value = serde_json::from_str(payload("oss")).unwrap();
    event["events"][0]["oss"]["bucket"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let resp = invoke(fc::routes![on_upload], "ev-oss-missing", event.to_string()).await;
    let message = resp.expect_failure()["errorMessage"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("invalid event: events[0].oss.bucket: missing field `name`"),
        "{message}"
    );
}

#[fc::invoke]
async fn on_logs(ev: SlsEvent) -> String {
    let s = ev.source;
    format!(
        "{}/{}#{} {}..{} at {}",
        s.project_name, s.logstore_name, s.shard_id, s.begin_cursor, s.end_cursor, ev.cursor_time
    )
}

#[tokio::test]
async fn sls() {
    let resp = invoke(fc::routes![on_logs], "ev-sls", payload("sls")).await;
    resp.expect_ok();
    assert_eq!(
        resp.text(),
        "log-com/log-en#0 MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==..MTUyOTQ4MDIwOTY1NTk3ODQ2NA== at 1529486425"
    );
}

#[fc::invoke]
async fn on_topic_message(ev: MnsTopicEvent) -> Value {
    json!({"message": ev.message, "topic": ev.topic_name, "attributes": ev.attributes})
}

#[tokio::test]
async fn mns_topic_json() {
    let resp = invoke(
        fc::routes![on_topic_message],
        "ev-mns-topic",
        payload("mns-topic"),
    )
    .await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!({"message": "hello topic", "topic": "test-topic", "attributes": {}})
    );

    // Message attributes arrive merged in as top-level keys.
    let mut event: Value = serde_json::from_str(payload("mns-topic")).unwrap();
    event["Extend"] = json!("{\"key\":\"value\"}");
    let resp = invoke(
        fc::routes![on_topic_message],
        "ev-mns-topic-attrs",
        event.to_string(),
    )
    .await;
    resp.expect_ok();
    assert_eq!(
        resp.json()["attributes"],
        json!({"Extend": "{\"key\":\"value\"}"})
    );
}

#[fc::invoke]
async fn on_topic_stream(ev: MnsTopicStreamEvent) -> String {
    format!("{} {}", ev.body, Value::Object(ev.attrs))
}

#[tokio::test]
async fn mns_topic_stream_with_attributes() {
    let resp = invoke(
        fc::routes![on_topic_stream],
        "ev-mns-stream",
        payload("mns-topic-stream"),
    )
    .await;
    resp.expect_ok();
    assert_eq!(
        resp.text(),
        r#"hello topic {"Extend":"{\"key\":\"value\"}"}"#
    );
}

#[fc::invoke]
async fn on_queue_message(ev: MnsQueueEvent) -> String {
    format!(
        "{} {} {}",
        ev.r#type, ev.data.message_id, ev.data.message_body
    )
}

#[tokio::test]
async fn mns_queue_via_eventbridge() {
    let resp = invoke(
        fc::routes![on_queue_message],
        "ev-mns-queue",
        payload("mns-queue"),
    )
    .await;
    resp.expect_ok();
    assert_eq!(
        resp.text(),
        "mns:Queue:SendMessage C6DB60D1574661357FA227277445**** TEST"
    );
}

#[fc::invoke]
async fn on_rocketmq(batch: CloudEventBatch<RocketMqData>) -> Vec<String> {
    batch
        .iter()
        .map(|ev| {
            format!(
                "{}:{}:{}",
                ev.data.topic,
                ev.data.tags().unwrap_or("-"),
                ev.data.body
            )
        })
        .collect()
}

#[tokio::test]
async fn rocketmq_one_event_or_a_batch() {
    let one = payload("rocketmq");
    let expected = "TopicName:systemProperties.TAGS:TEST";
    let resp = invoke(fc::routes![on_rocketmq], "ev-rocketmq-1", one).await;
    resp.expect_ok();
    assert_eq!(resp.json(), json!([expected]));

    let batch = format!("[{one},{one}]");
    let resp = invoke(fc::routes![on_rocketmq], "ev-rocketmq-2", batch).await;
    resp.expect_ok();
    assert_eq!(resp.json(), json!([expected, expected]));
}

#[fc::invoke]
async fn on_kafka(batch: CloudEventBatch<KafkaData>) -> Vec<Value> {
    batch
        .into_iter()
        .map(|ev| {
            json!([
                ev.data.topic,
                ev.data.partition,
                ev.data.offset,
                ev.data.value
            ])
        })
        .collect()
}

#[tokio::test]
async fn kafka_batch_of_json_encoded_strings() {
    let resp = invoke(fc::routes![on_kafka], "ev-kafka", payload("kafka")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!([[
            "HelloTopic",
            9,
            3,
            "b'{\\n    \"Test\": \"TestKafkaEventBridgetrigger\"\\n}'"
        ]])
    );
}

#[fc::invoke]
async fn on_cdn(ev: CdnEvent) -> Vec<String> {
    ev.events
        .into_iter()
        .flat_map(|e| e.event_parameter.object_path.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn cdn() {
    let resp = invoke(fc::routes![on_cdn], "ev-cdn", payload("cdn")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!([
            "/2018/03/16/13/33b430c57e7.mp4",
            "/2018/03/16/14/4ff6b9bd54d.mp4"
        ])
    );
}

#[fc::invoke]
async fn on_api(req: ApiGatewayRequest) -> Result<ApiGatewayResponse, fc::Error> {
    let body = req.body_bytes()?;
    Ok(ApiGatewayResponse::builder()
        .status(201)
        .header(
            "x-id",
            req.path_parameters.get("id").map_or("", String::as_str),
        )
        .binary_body(body.iter().rev().copied().collect::<Vec<u8>>())
        .build())
}

#[tokio::test]
async fn api_gateway_request_and_response() {
    let request = json!({
        "path": "/users/42",
        "httpMethod": "PUT",
        "headers": {"Content-Type": "application/octet-stream"},
        "queryParameters": {},
        "pathParameters": {"id": "42"},
        "body": "AAH+/w==",
        "isBase64Encoded": true
    });
    let resp = invoke(fc::routes![on_api], "ev-apigw", request.to_string()).await;
    resp.expect_ok();
    assert_eq!(resp.headers["content-type"], "application/json");
    assert_eq!(
        resp.json(),
        json!({"statusCode": 201, "headers": {"x-id": "42"}, "isBase64Encoded": true, "body": "//4BAA=="})
    );

    // A body marked base64 that is not: the handler's error, as FC expects it.
    let mut bad = request;
    bad["body"] = json!("%%%");
    let resp = invoke(fc::routes![on_api], "ev-apigw-bad", bad.to_string()).await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "fc_core::events::body::BodyDecodeError");
}

#[fc::invoke]
async fn on_http(req: HttpTriggerEvent) -> HttpTriggerResponse {
    match req.request_context.http.method.as_str() {
        "GET" => format!("{} {}", req.raw_path, req.body).into(),
        _ => HttpTriggerResponse::builder()
            .status(405)
            .header("allow", "GET")
            .build(),
    }
}

#[tokio::test]
async fn http_trigger_event_and_response() {
    let resp = invoke(fc::routes![on_http], "ev-http", payload("http-trigger")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!({
            "statusCode": 200,
            "headers": {"content-type": "text/plain; charset=utf-8"},
            "isBase64Encoded": false,
            "body": "/example Hello FC!"
        })
    );

    let mut post: Value = serde_json::from_str(payload("http-trigger")).unwrap();
    post["requestContext"]["http"]["method"] = json!("POST");
    let resp = invoke(fc::routes![on_http], "ev-http-post", post.to_string()).await;
    resp.expect_ok();
    assert_eq!(resp.json()["statusCode"], 405);
}

#[fc::invoke]
async fn on_rows(ev: Cbor<TablestoreEvent>) -> Vec<String> {
    ev.records
        .iter()
        .flat_map(|r| {
            let kind = r.r#type.clone();
            r.primary_key
                .iter()
                .map(move |c| format!("{kind} {}={}", c.column_name, c.value))
        })
        .collect()
}

#[tokio::test]
async fn tablestore_cbor() {
    // The JSON sample, CBOR-encoded (fc-core's unit tests check it stays so).
    let body = payloads::TABLESTORE.bytes();
    let resp = invoke(fc::routes![on_rows], "ev-ots", body).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!([
            "PutRow pk_0=1506416585881590900",
            "PutRow pk_1=2017-09-26 17:03:05.8815909 +0800 CST",
            "PutRow pk_2=1506416585741000"
        ])
    );

    // JSON is not CBOR; a CBOR map without the records names what is missing.
    let resp = invoke(
        fc::routes![on_rows],
        "ev-ots-json",
        payload("tablestore-json"),
    )
    .await;
    assert_eq!(resp.expect_failure()["errorType"], "InvalidEvent");
    let resp = invoke(
        fc::routes![on_rows],
        "ev-ots-bad",
        &b"\xa1\x67Version\x67Sync-v1"[..],
    )
    .await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "InvalidEvent");
    assert_eq!(
        error["errorMessage"],
        "invalid event: missing field `Records`"
    );
}

#[fc::invoke]
async fn on_rows_json(ev: TablestoreEvent) -> usize {
    ev.records.iter().map(|r| r.columns.len()).sum()
}

#[tokio::test]
async fn tablestore_json_rendering() {
    let resp = invoke(
        fc::routes![on_rows_json],
        "ev-ots-as-json",
        payload("tablestore-json"),
    )
    .await;
    resp.expect_ok();
    assert_eq!(resp.text(), "2");
}

#[fc::invoke]
async fn on_destination(ev: AsyncDestinationEvent) -> String {
    format!(
        "{} {} {}",
        ev.request_context.condition,
        ev.request_context.approximate_invoke_count,
        ev.response_context.status_code
    )
}

#[tokio::test]
async fn async_destination() {
    let resp = invoke(
        fc::routes![on_destination],
        "ev-destination",
        payload("async-destination"),
    )
    .await;
    resp.expect_ok();
    assert_eq!(resp.text(), "FunctionResourceExhausted 3 200");
}

#[fc::invoke]
async fn on_rabbitmq(batch: CloudEventBatch<RabbitMqData>) -> Vec<Value> {
    batch
        .into_iter()
        .map(|ev| {
            json!([
                ev.r#type,
                ev.data.envelope.routing_key,
                ev.data.envelope.delivery_tag,
                ev.data.props.message_id,
                ev.data.body
            ])
        })
        .collect()
}

#[tokio::test]
async fn rabbitmq_batch() {
    let resp = invoke(fc::routes![on_rabbitmq], "ev-rabbitmq", payload("rabbitmq")).await;
    resp.expect_ok();
    let one = json!([
        "amqp:Queue:SendMessage",
        "housekeeping",
        98,
        "f7622d51-e198-41de-a072-77c1ead7****",
        {"Hello": "RabbitMQ"}
    ]);
    assert_eq!(resp.json(), json!([one, one]));

    // A body of the wrong shape names the element and field.
    let mut bad: Value = serde_json::from_str(payload("rabbitmq")).unwrap();
    bad[1]["data"]["envelope"]["redeliver"] = json!("no");
    let resp = invoke(fc::routes![on_rabbitmq], "ev-rabbitmq-bad", bad.to_string()).await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "InvalidEvent");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("invalid event: [1].data.envelope.redeliver: invalid type: string"),
        "{message}"
    );
}

#[fc::invoke]
async fn on_mqtt(messages: Vec<MqttData>) -> Vec<String> {
    messages
        .iter()
        .map(|m| format!("{} {} {}", m.topic(), m.props.client_id, m.body))
        .collect()
}

#[tokio::test]
async fn mqtt() {
    let resp = invoke(fc::routes![on_mqtt], "ev-mqtt", payload("mqtt")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!(["testTopic/testMq4**** consumerGroupID@@@xxx hello mq4Iot pub sub msg"])
    );
}

#[fc::invoke]
async fn on_dts(batch: CloudEventBatch<DtsData>) -> Vec<String> {
    batch
        .iter()
        .map(|ev| {
            let change = &ev.data;
            let topic = |image: &Option<fc::events::DtsImage>| {
                image
                    .as_ref()
                    .and_then(|row| row.get("topic"))
                    .and_then(|value| value.text())
                    .unwrap_or_default()
            };
            format!(
                "{} {}.{} topic: {} -> {}",
                change.operation_type,
                change.schema.database_name,
                change.schema.table_name,
                topic(&change.before_image),
                topic(&change.after_image)
            )
        })
        .collect()
}

#[tokio::test]
async fn dts() {
    let resp = invoke(fc::routes![on_dts], "ev-dts", payload("dts")).await;
    resp.expect_ok();
    assert_eq!(
        resp.json(),
        json!(["UPDATE hangzhou--test-db.message_info topic: hello -> bye"])
    );
}

#[fc::invoke]
async fn on_datahub(ev: DataHubEvent) -> Result<Value, fc::Error> {
    let mut rows = Vec::new();
    for record in &ev.records {
        rows.push(json!({"id": record.event_id, "columns": record.columns()?}));
    }
    Ok(json!({"project": ev.project(), "topic": ev.topic(), "rows": rows}))
}

#[tokio::test]
async fn datahub() {
    let resp = invoke(fc::routes![on_datahub], "ev-datahub", payload("datahub")).await;
    resp.expect_ok();
    let columns = json!(["col1's value", "col2's value"]);
    assert_eq!(
        resp.json(),
        json!({
            "project": "test_project_name",
            "topic": "test_topic_name",
            "rows": [{"id": "0:12345", "columns": columns}, {"id": "0:12346", "columns": columns}]
        })
    );

    // A record whose data is not a JSON array: the handler's error reaches FC.
    let mut blob: Value = serde_json::from_str(payload("datahub")).unwrap();
    blob["records"][0]["data"] = json!("raw bytes");
    let resp = invoke(fc::routes![on_datahub], "ev-datahub-blob", blob.to_string()).await;
    assert_eq!(
        resp.expect_failure()["errorType"],
        "serde_json::error::Error"
    );
}
