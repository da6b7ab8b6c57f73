// The Distiller callback: teacher in eval mode and untouched, distillation loss during training batches,
// cross-entropy elsewhere; a distilled student learns.
#include "strata/train/distillation.h"

#include "blobs_dataset.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata::train {
namespace {

using strata::testing::blobs;

// Checks, at every training batch, the teacher's mode and that the loss is the distillation loss.
class Probe : public Callback {
 public:
  Probe(std::shared_ptr<nn::Module> teacher, std::shared_ptr<nn::Module> student, LossFn loss)
      : teacher_(std::move(teacher)), student_(std::move(student)), loss_(std::move(loss)) {}
  void on_batch_begin(Trainer&, const data::Batch& batch) override {
    EXPECT_FALSE(teacher_->is_training());
    EXPECT_TRUE(student_->is_training());
    NoGradGuard no_grad;
    const Tensor s = (*student_)(batch.input), t = (*teacher_)(batch.input);
    EXPECT_NEAR(loss_(s, batch.target).item(),
                nn::distillation_loss(s, t, batch.target, {.temperature = 3.0, .alpha = 0.7}).item(), 1e-6);
    ++batches;
  }
  int batches = 0;

 private:
  std::shared_ptr<nn::Module> teacher_, student_;
  LossFn loss_;
};

TEST(Distiller, TrainsTheStudentFromAFrozenTeacher) {
  manual_seed(0);
  data::DataLoader loader(blobs(480, 1), {.batch_size = 32, .shuffle = true, .seed = 2});
  data::DataLoader test(blobs(300, 3), {.batch_size = 100});
  nn::Sequential teacher(nn::Linear(2, 32), nn::ReLU(), nn::Dropout(0.5), nn::Linear(32, 3));
  Trainer(teacher.ptr(), optim::Adam(teacher->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss())
      .fit(loader, {.epochs = 4, .progress = false});
  teacher->zero_grad();
  teacher->train();  // the Distiller puts it in eval
  const nn::StateDict before = teacher->state_dict();

  nn::Sequential student(nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 3));
  auto distiller = std::make_shared<Distiller>(teacher.ptr(),
                                               nn::DistillationLossOptions{.temperature = 3.0, .alpha = 0.7});
  const LossFn loss = distiller->loss();
  // Outside a training batch the loss is cross-entropy.
  const Tensor s = randn({4, 3}), y = from_vector<int64_t>({0, 1, 2, 0});
  EXPECT_DOUBLE_EQ(loss(s, y).item(), ops::cross_entropy(s, y).item());

  auto probe = std::make_shared<Probe>(teacher.ptr(), student.ptr(), loss);
  Trainer trainer(student.ptr(), optim::Adam(student->parameters(), {.lr = 2e-2}), loss);
  const History h = trainer.fit(
      loader, {.epochs = 4, .validation = &test, .callbacks = {distiller, probe}, .progress = false});
  EXPECT_EQ(probe->batches, 4 * 15);
  EXPECT_GT(h.epochs.back().at("val_accuracy"), 0.9);
  for (const auto& [name, t] : teacher->state_dict()) {
    EXPECT_EQ(t.to_vector<float>(), before.at(name).to_vector<float>()) << name;
  }
  for (const Tensor& p : teacher->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Distiller, CachedTeacherLogitsGiveTheSameLoss) {
  manual_seed(5);
  data::DataLoader loader(blobs(200, 6), {.batch_size = 32, .shuffle = true, .seed = 7});
  nn::Sequential teacher(nn::Linear(2, 16), nn::ReLU(), nn::Dropout(0.5), nn::Linear(16, 3));
  nn::Sequential student(nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 3));
  auto distiller = std::make_shared<Distiller>(
      teacher.ptr(), nn::DistillationLossOptions{.temperature = 3.0, .alpha = 0.7}, true);
  EXPECT_TRUE(distiller->caches_teacher_logits());
  // The probe recomputes the teacher's logits on every batch and compares the losses.
  auto probe = std::make_shared<Probe>(teacher.ptr(), student.ptr(), distiller->loss());
  Trainer trainer(student.ptr(), optim::Adam(student->parameters(), {.lr = 1e-2}), distiller->loss());
  trainer.fit(loader, {.epochs = 3, .callbacks = {distiller, probe}, .progress = false});
  EXPECT_EQ(probe->batches, 3 * 7);
  // The teacher ran once per example: on the first epoch only.
  EXPECT_EQ(distiller->teacher_examples(), 200);
  EXPECT_EQ(distiller->cached_examples(), 200);

  // Without the cache the teacher runs on every example of every epoch.
  auto plain = std::make_shared<Distiller>(teacher.ptr(),
                                           nn::DistillationLossOptions{.temperature = 3.0, .alpha = 0.7});
  Trainer t2(student.ptr(), optim::Adam(student->parameters(), {.lr = 1e-2}), plain->loss());
  t2.fit(loader, {.epochs = 2, .callbacks = {plain}, .progress = false});
  EXPECT_EQ(plain->teacher_examples(), 400);
  EXPECT_EQ(plain->cached_examples(), 0);

  // A batch holding one input twice stores it once and gives both rows the same logits.
  auto twice = std::make_shared<Distiller>(teacher.ptr(), nn::DistillationLossOptions{}, true);
  const Tensor x = from_vector<float>({1, 2, 1, 2, -1, 0}, {3, 2});
  const Tensor y = from_vector<int64_t>({0, 0, 1});
  twice->on_batch_begin(trainer, {x, y});
  EXPECT_EQ(twice->cached_examples(), 2);
  NoGradGuard no_grad;
  teacher->eval();
  const Tensor s = randn({3, 3});
  EXPECT_NEAR(twice->loss()(s, y).item(), nn::distillation_loss(s, teacher(x), y, {}).item(), 1e-6);
}

TEST(Distiller, RejectsBadSetups) {
  nn::Sequential net(nn::Linear(2, 3));
  EXPECT_ERROR_CONTAINS(Distiller(nullptr), "no teacher");
  EXPECT_ERROR_CONTAINS(Distiller(net.ptr(), {.temperature = -1}), "temperature must be positive");
  EXPECT_ERROR_CONTAINS(Distiller(net.ptr(), {.alpha = 2}), "alpha must be in [0, 1]");
  auto self = std::make_shared<Distiller>(net.ptr());
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), self->loss());
  EXPECT_ERROR_CONTAINS(self->on_train_begin(trainer), "the teacher is the model being trained");
  // A teacher whose logits do not match the student's.
  nn::Sequential wide(nn::Linear(2, 5));
  auto bad = std::make_shared<Distiller>(wide.ptr());
  Trainer t2(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), bad->loss());
  data::DataLoader loader(blobs(8, 4), {.batch_size = 4});
  EXPECT_ERROR_CONTAINS(t2.fit(loader, {.epochs = 1, .callbacks = {bad}, .progress = false}),
                        "teacher gives logits [4, 5] and the student [4, 3]");
}

}  // namespace
}  // namespace strata::train
