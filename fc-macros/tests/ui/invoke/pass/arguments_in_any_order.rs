// The event, the context and the state may come in any order; state types may
// repeat as long as each `State<T>` is distinct.
use fc::{Context, State};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order { qty: u32 }

struct Prices { unit: u64 }
struct Limits { max: u32 }

mod event_context_state {
    use super::*;
    #[fc::invoke]
    pub async fn h(order: Order, ctx: Context, prices: State<Prices>) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod event_state_context {
    use super::*;
    #[fc::invoke]
    pub async fn h(order: Order, prices: State<Prices>, ctx: Context) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod context_event_state {
    use super::*;
    #[fc::invoke]
    pub async fn h(ctx: Context, order: Order, prices: State<Prices>) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod context_state_event {
    use super::*;
    #[fc::invoke]
    pub async fn h(ctx: Context, prices: State<Prices>, order: Order) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod state_event_context {
    use super::*;
    #[fc::invoke]
    pub async fn h(prices: State<Prices>, order: Order, ctx: Context) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod state_context_event {
    use super::*;
    #[fc::invoke]
    pub async fn h(prices: fc::State<Prices>, ctx: fc::Context, order: Order) -> u64 {
        let _ = ctx.request_id();
        prices.unit * u64::from(order.qty)
    }
}

mod two_states {
    use super::*;
    #[fc::invoke]
    pub async fn h(limits: State<Limits>, order: Order, prices: State<Prices>) -> u64 {
        prices.unit * u64::from(order.qty.min(limits.max))
    }
}

mod only_context {
    use super::*;
    #[fc::invoke]
    pub async fn h(ctx: Context) -> String {
        ctx.request_id().to_owned()
    }
}

mod only_state {
    use super::*;
    #[fc::invoke]
    pub async fn h(prices: State<Prices>) -> u64 {
        prices.unit
    }
}

fn main() {
    let _ = fc::routes![event_context_state::h];
    let _ = fc::routes![event_state_context::h];
    let _ = fc::routes![context_event_state::h];
    let _ = fc::routes![context_state_event::h];
    let _ = fc::routes![state_event_context::h];
    let _ = fc::routes![state_context_event::h];
    let _ = fc::routes![two_states::h];
    let _ = fc::routes![only_context::h];
    let _ = fc::routes![only_state::h];
}
