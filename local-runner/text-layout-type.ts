import { structOf, t, type GlueType } from '../catalog/types.js';

/**
 * The Glue type of a column in text layout: the declared type with every primitive leaf
 * a string. Text readers (CSV, JSON Lines) produce it, and Spark's cast turns it into the
 * declared type, as the generated Glue script casts what its DynamicFrame read.
 */
export function textLayoutOf(type: GlueType): GlueType {
  switch (type.kind) {
    case 'array':
      return t.array(textLayoutOf(type.element));
    case 'map':
      return t.map(textLayoutOf(type.key), textLayoutOf(type.value));
    case 'struct':
      return structOf(type.fields.map((f) => ({ name: f.name, type: textLayoutOf(f.type) })));
    default:
      return t.string();
  }
}
