#include "common/query/projection.h"

namespace backtrace::query {

Projection::Projection(const QueryPlan& plan, ResultWriter& writer)
    : plan_(plan),
      writer_(writer),
      inputs_(plan.schema.columns.size()),
      buffers_(plan.schema.columns.size()) {
  for (const auto& output : plan.outputs) output.expression.CollectSlots(&columns_);
}

Status Projection::Consume(ScanBatch& batch, bool* stop) {
  const Selection& selection = batch.selection();
  const size_t rows = selection.count();
  for (size_t column : columns_) {
    ASSIGN_OR_RETURN(ColumnSlice values, batch.Column(column));
    inputs_[column] = Gather(values, selection, &buffers_[column]);
  }
  evaluator_.Reset();
  std::vector<ColumnVector> columns = writer_.MakeColumns();
  for (size_t i = 0; i < plan_.outputs.size(); ++i) {
    ASSIGN_OR_RETURN(ColumnSlice values,
                     evaluator_.Evaluate(plan_.outputs[i].expression, inputs_, rows));
    AppendSlice(values, &columns[i]);
  }
  RETURN_IF_ERROR(writer_.Add(columns));
  *stop = writer_.done();
  return Status::Ok();
}

}  // namespace backtrace::query
