// A select of every category, each top-level one a group holding its children.
import type { Category } from "./bindings/Category";
import { categoryGroups } from "./categoryText";

type Props = {
  id: string;
  categories: readonly Category[];
  value: string;
  onChange: (id: string) => void;
  testId?: string;
  /** A first option meaning "any" (filters), with this label. */
  any?: string;
};

export function CategoryPicker({ id, categories, value, onChange, testId, any }: Props) {
  return (
    <select id={id} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
      {any !== undefined && <option value="">{any}</option>}
      {categoryGroups(categories).map(({ top, children }) =>
        children.length === 0 ? (
          <option key={top.id} value={top.id}>
            {top.name}
          </option>
        ) : (
          <optgroup key={top.id} label={top.name}>
            <option value={top.id}>{top.name} (general)</option>
            {children.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </optgroup>
        ),
      )}
    </select>
  );
}
