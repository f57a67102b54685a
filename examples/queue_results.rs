//! seed000_queue_results (seed 000, queue section): a thread cannot return a value, so each
//! job puts its result in a [`Queue`] and the main task collects them. A task *can* return a
//! value, though: awaiting its `JoinHandle` gives it directly. Second half: the seed's
//! sum-of-a-list variant with three workers.
//!
//! Reference: `../shared/reference/seed000_queue_results.py` (the seed's `range(1000000)`
//! reduced to `range(1000)`, without timings); the output matches it line for line (Rust's
//! `{:?}` of a `Vec` prints like Python's list repr).

use greenery::queue::Queue;

async fn job(l: Vec<u64>, q: Queue<Vec<u64>>) {
    q.put(l.iter().map(|i| i * i).collect()).await.unwrap();
}

async fn multithreading(data: &[Vec<u64>]) {
    let q = Queue::new();
    let threads: Vec<_> = data
        .iter()
        .map(|d| greenery::spawn(job(d.clone(), q.clone())))
        .collect();
    for thread in threads {
        thread.await.expect("job failed");
    }
    let mut results = Vec::new();
    for _ in 0..data.len() {
        results.push(q.get().await);
    }
    println!("{results:?}");
}

async fn job_sum(l: Vec<u64>, q: Queue<u64>) {
    q.put(l.iter().sum()).await.unwrap();
}

fn normal(l: &[u64]) {
    println!("{}", l.iter().sum::<u64>());
}

async fn multi(l: &[u64]) {
    let q = Queue::new();
    let threads: Vec<_> = (0..3)
        .map(|_| greenery::spawn(job_sum(l.to_vec(), q.clone())))
        .collect();
    greenery::try_joinall(threads).await.expect("no job fails");
    let mut total = 0;
    for _ in 0..3 {
        total += q.get().await;
    }
    println!("{total}");
}

fn main() {
    greenery::run(async {
        let data = vec![vec![1, 2, 3], vec![4, 5, 6], vec![3, 4, 3], vec![5, 5, 5]];
        multithreading(&data).await;

        // Tasks return values: awaiting each handle gives it.
        let tasks: Vec<_> = data
            .iter()
            .map(|d| {
                let d = d.clone();
                greenery::spawn(async move { d.iter().map(|i| i * i).collect::<Vec<u64>>() })
            })
            .collect();
        let values = greenery::try_joinall(tasks).await.expect("no task fails");
        println!("{values:?}");

        let l: Vec<u64> = (0..1000).collect();
        normal(&l.repeat(3));
        multi(&l).await;
    });
}
