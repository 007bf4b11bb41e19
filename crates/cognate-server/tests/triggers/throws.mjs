// Test fixture: a handler that fails.
export const handler = async () => {
  throw new Error("boom");
};
