// An FC function for a Timer trigger: it fires on schedule with the payload the
// trigger is configured with (`fc::events::TimerEvent`).

use fc::events::TimerEvent;

#[fc::invoke]
async fn on_tick(event: TimerEvent) -> String {
    tracing::info!(
        trigger = %event.trigger_name,
        at = %event.trigger_time,
        payload = %event.payload,
        "timer fired"
    );
    format!(
        "{} fired at {}: {}",
        event.trigger_name, event.trigger_time, event.payload
    )
}

fn main() {
    fc::run(fc::routes![on_tick]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_a_real_timer_event() {
        let app = TestApp::new(fc::routes![on_tick]);
        // What a Timer trigger really sends (`fc-local invoke --example timer`).
        let resp = app.invoke(payloads::TIMER.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.text(),
            "timer-trigger fired at 2018-02-09T05:49:00Z: awesome-fc"
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("timer fired") && l.contains("payload=awesome-fc")),
            "{:?}",
            resp.logs()
        );
    }
}
