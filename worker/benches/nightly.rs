//! The nightly analysis (`learning::analytics::nightly::analyse`) over a school year:
//! 10,000 students, one course of 200 lessons and 40 skills, 100 graded attempts per
//! student over 365 days (1,000,000 attempts, 5 answers each, so 5,000,000 recorded
//! predictions), a mastery row per (student, skill) touched, 400 cohorts of 25.
//!
//! Time comes from criterion; memory from the process's peak resident set (VmHWM), read
//! before the data is built, after, and after the analysis, and printed.
//!
//! Run: `cargo bench -p pathwise --bench nightly -- --warm-up-time 1 --measurement-time 20`

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

use pathwise::learning::analytics::nightly::{
    CohortRecord, GradedRecord, NightlyData, StoredPrediction, StoredSkill, StudentRecord, analyse,
};
use pathwise::learning::{Course, Lesson, LessonKind, ReviewRating, Skill};

const STUDENTS: usize = 10_000;
const ATTEMPTS_PER_STUDENT: usize = 100;
const LESSONS: i64 = 200;
const SKILLS: i64 = 40;
const ANSWERS: i64 = 5;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 1, 8, 0, 0)
        .single()
        .expect("a date")
}

/// A small deterministic generator (xorshift), so that the data is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn course() -> Course {
    let skills = (1..=SKILLS)
        .map(|id| Skill {
            id,
            name: format!("Skill {id}"),
            p_init: 0.2,
            p_learn: 0.15,
            p_guess: 0.2,
            p_slip: 0.1,
        })
        .collect();
    let lessons = (1..=LESSONS)
        .map(|id| Lesson {
            id,
            title: format!("Lesson {id}"),
            module_sort: (id - 1) / 20,
            sort: (id - 1) % 20,
            kind: LessonKind::Lesson,
            skills: vec![(id - 1) % SKILLS + 1],
            prerequisites: if id > 1 { vec![id - 1] } else { vec![] },
            estimated_minutes: None,
            video_url: None,
        })
        .collect();
    Course {
        id: 1,
        advance_threshold: 0.9,
        remediate_threshold: 0.7,
        mastery_threshold: 0.95,
        lessons,
        skills,
        questions: Vec::new(),
        review_parameters: None,
    }
}

fn data() -> NightlyData {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut attempts = Vec::with_capacity(STUDENTS * ATTEMPTS_PER_STUDENT);
    let mut mastery = Vec::new();
    let mut students = Vec::with_capacity(STUDENTS);
    let year = Duration::days(365);
    for s in 0..STUDENTS {
        let student = format!("{s:08x}-0000-4000-8000-000000000000");
        let ability = rng.unit();
        let mut known = vec![0.2f64; SKILLS as usize];
        let mut last = start();
        for n in 0..ATTEMPTS_PER_STUDENT {
            let lesson = (n as i64 * 2 + (rng.next() % 3) as i64) % LESSONS + 1;
            let skill = (lesson - 1) % SKILLS + 1;
            let at = start()
                + year * (n as i32) / (ATTEMPTS_PER_STUDENT as i32)
                + Duration::minutes((rng.next() % 600) as i64);
            last = at;
            let before = known[(skill - 1) as usize];
            let mut predictions = Vec::with_capacity(ANSWERS as usize);
            let mut right = 0;
            let mut p = before;
            for q in 0..ANSWERS {
                let p_correct = p * 0.9 + (1.0 - p) * 0.2;
                let correct = rng.unit() < p_correct * (0.6 + 0.4 * ability);
                right += i64::from(correct);
                predictions.push(StoredPrediction {
                    skill,
                    question: lesson * 10 + q,
                    p_correct,
                    correct,
                });
                p = (p + (1.0 - p) * 0.15).min(0.999);
            }
            known[(skill - 1) as usize] = p;
            attempts.push(GradedRecord {
                id: (s * ATTEMPTS_PER_STUDENT + n) as i64,
                student: student.clone(),
                lesson,
                score: right as f64 / ANSWERS as f64,
                submitted_at: at,
                graded_at: at + Duration::seconds(1),
                skills: vec![StoredSkill {
                    skill,
                    before,
                    after: p,
                    mastered: p >= 0.95,
                    rating: Some(if right * 2 > ANSWERS {
                        ReviewRating::Good
                    } else {
                        ReviewRating::Again
                    }),
                }],
                predictions,
            });
        }
        for (k, p) in known.iter().enumerate() {
            mastery.push((student.clone(), k as i64 + 1, *p, *p >= 0.95));
        }
        students.push(StudentRecord {
            student,
            last_active_at: Some(last),
            strategy: Some(
                if s % 2 == 0 {
                    "threshold-rules"
                } else {
                    "weakest-first"
                }
                .to_owned(),
            ),
        });
    }
    let cohorts = (0..STUDENTS / 25)
        .map(|c| CohortRecord {
            id: c as i64 + 1,
            name: format!("Class {c}"),
            course: Some(1),
            students: students[c * 25..(c + 1) * 25]
                .iter()
                .map(|s| s.student.clone())
                .collect(),
            teachers: vec![format!("teacher-{c}")],
        })
        .collect();
    NightlyData {
        courses: vec![course()],
        attempts,
        mastery,
        students,
        cohorts,
    }
}

/// The process's peak resident set so far, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn benches(c: &mut Criterion) {
    let before = peak_mib();
    let data = data();
    let with_data = peak_mib();
    let now = start() + Duration::days(366);
    let analysis = analyse(&data, now, "strategy-2026");
    let after = peak_mib();
    eprintln!(
        "nightly: {} students, {} attempts, {} mastery rows; peak RSS {before:.0} MiB before, {with_data:.0} MiB with the data (+{:.0}), {after:.0} MiB after one analysis (+{:.0} for the analysis)",
        data.students.len(),
        data.attempts.len(),
        data.mastery.len(),
        with_data - before,
        after - with_data
    );
    eprintln!(
        "nightly: {} course(s), {} experiment(s), {} cohorts flagged",
        analysis.courses.len(),
        analysis.ab.experiments.len(),
        analysis
            .courses
            .iter()
            .map(|c| c.cohort_alerts.len())
            .sum::<usize>()
    );
    match &analysis.courses[0].review_fit {
        Ok(fit) => eprintln!(
            "nightly: FSRS fit on {} reviews: log loss {:.4} with the defaults, {:.4} fitted",
            fit.reviews, fit.log_loss_default, fit.log_loss_fitted
        ),
        Err(why) => eprintln!("nightly: no FSRS fit: {why}"),
    }
    grading_beside_the_analysis(&data, now);
    let mut group = c.benchmark_group("nightly");
    group.sample_size(10);
    group.bench_function("analyse: 10,000 students, a year of attempts", |b| {
        b.iter(|| analyse(black_box(&data), now, "strategy-2026"))
    });
    group.finish();
}

/// The worker's async threads while the analysis runs on a blocking thread, as the
/// nightly job runs it: a task that wakes every 10 ms (as a grading's awaits do) measures
/// how late it wakes, without and then with the analysis running. Printed as p50/p99.
fn grading_beside_the_analysis(data: &NightlyData, now: DateTime<Utc>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let lateness = |during: bool| {
        let data = data.clone();
        runtime.block_on(async move {
            let analysis = during
                .then(|| tokio::task::spawn_blocking(move || analyse(&data, now, "strategy-2026")));
            let mut late = Vec::new();
            for _ in 0..300 {
                let asked = std::time::Instant::now();
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                late.push(asked.elapsed().as_secs_f64() * 1000.0 - 10.0);
            }
            if let Some(analysis) = analysis {
                analysis.await.expect("the analysis ends");
            }
            late.sort_by(f64::total_cmp);
            (late[late.len() / 2], late[late.len() * 99 / 100])
        })
    };
    let (idle_p50, idle_p99) = lateness(false);
    let (busy_p50, busy_p99) = lateness(true);
    eprintln!(
        "nightly: an async task waking every 10 ms is late by p50 {idle_p50:.2} ms, p99 {idle_p99:.2} ms alone; p50 {busy_p50:.2} ms, p99 {busy_p99:.2} ms while the analysis runs on a blocking thread"
    );
}

criterion_group!(nightly, benches);
criterion_main!(nightly);
