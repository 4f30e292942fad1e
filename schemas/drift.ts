// Schemas of the drift report and prediction log routes (seed phase 4 field names, snake_case).
import { Type, type Static } from '@sinclair/typebox'

const StatTest = Type.Union(['kolmogorov_smirnov', 'chi_square', 'z_test', 'wasserstein_distance_normed', 'jensen_shannon_distance'].map((t) => Type.Literal(t)))

export const ColumnDriftSchema = Type.Object({
  drift_detected: Type.Boolean(),
  drift_score: Type.Number({ description: 'p-value (tests) or distance (distances)' }),
  statistical_test: StatTest,
  threshold: Type.Number(),
  score_kind: Type.Union([Type.Literal('p_value'), Type.Literal('distance')], { description: 'p-value: drift when below the threshold; distance: drift when at or above it' }),
  statistic: Type.Optional(Type.Number({ description: 'KS D or chi-square statistic (absent when infinite: a class the reference never had)' })),
  method: Type.Optional(Type.Union([Type.Literal('exact'), Type.Literal('asymp'), Type.Literal('goodness_of_fit'), Type.Literal('homogeneity')], { description: 'KS p-value method (exact up to 10 000 rows per sample); chi-square variant (DRIFT_CHI_SQUARE)' })),
  psi: Type.Number({ description: 'population stability index on Evidently bins (reported, not the decision)' })
})

const Distribution = Type.Record(Type.String(), Type.Number())

export const DriftReportSchema = Type.Object({
  drift_analysis: Type.Object({
    drift_detected: Type.Boolean({ description: 'dataset drift: share of drifted columns >= 0.5' }),
    overall_drift_score: Type.Number({ description: 'share of drifted columns (features and predicted class; features only with DRIFT_SHARE_COLUMNS=features)' }),
    feature_drift_scores: Type.Record(Type.String(), ColumnDriftSchema),
    prediction_drift: Type.Union([Type.Intersect([ColumnDriftSchema, Type.Object({ reference_distribution: Distribution, current_distribution: Distribution })]), Type.Null()]),
    number_of_columns: Type.Integer(),
    number_of_drifted_columns: Type.Integer(),
    dataset_drift_share_threshold: Type.Number(),
    analysis_timestamp: Type.String({ format: 'date-time' })
  }),
  data_summary: Type.Object({
    reference_samples: Type.Integer(),
    analyzed_samples: Type.Integer(),
    total_production_samples: Type.Integer(),
    minimum_samples: Type.Integer(),
    reference_source: Type.String(),
    model: Type.Object({ name: Type.String(), version: Type.String() })
  }),
  recommendations: Type.Object({
    retrain_model: Type.Boolean(),
    investigate_features: Type.Array(Type.String()),
    monitoring_status: Type.Union(['INSUFFICIENT_DATA', 'NO_DRIFT', 'LOW_DRIFT', 'MEDIUM_DRIFT', 'HIGH_DRIFT'].map((s) => Type.Literal(s))),
    message: Type.String()
  })
}, { $id: 'DriftReport' })

export const DriftQuerySchema = (maxLimit: number) => Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, description: 'newest logged predictions to analyse (default DRIFT_DEFAULT_LIMIT)' })),
  model: Type.Optional(Type.String({ minLength: 1, description: 'model name (default: DEFAULT_MODEL)' })),
  version: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'version whose training data is the reference (default: the served one)' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')], { default: 'json' }))
}, { additionalProperties: false })

export type DriftQuery = Static<ReturnType<typeof DriftQuerySchema>>

export const PredictionLogQuerySchema = (maxLimit: number) => Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, description: 'newest records to export (default DRIFT_DEFAULT_LIMIT)' })),
  model: Type.Optional(Type.String({ minLength: 1, description: 'model name (default: DEFAULT_MODEL)' })),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }))
}, { additionalProperties: false })

export const PredictionRecordSchema = Type.Object({
  ts: Type.String({ format: 'date-time' }),
  model: Type.String(),
  version: Type.String(),
  features: Type.Record(Type.String(), Type.Number()),
  prediction: Type.String(),
  confidence: Type.Number(),
  latency_ms: Type.Number(),
  route: Type.String()
})

export const PredictionLogSchema = Type.Object({
  model: Type.String(),
  total: Type.Integer({ description: 'records logged for the model' }),
  records: Type.Array(PredictionRecordSchema, { description: 'newest last' })
})
