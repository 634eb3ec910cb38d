// The words of the error page (app/error.tsx, a client component) in both languages: a copy of
// messages/{ja,en}.json "errorPage", kept small so that every page does not carry the whole
// catalogue for a page rarely shown. tests/unit/error-page-text.test.ts checks it equals the catalogues.
export const errorPageText = {
  ja: {
    serviceName: "カスタマー・セルフケア・サービス",
    errorTitle: "エラーが発生しました",
    errorLead: "申し訳ありません。システムエラーのため、この画面を表示できませんでした。",
    errorHint: "しばらくしてから「もう一度表示する」を押してください。変更の手続き中だった場合は、履歴で受け付けられたかをご確認ください。",
    errorCode: "エラー番号",
    retry: "もう一度表示する",
    toTop: "お客様サポート（トップ）へ",
  },
  en: {
    serviceName: "Customer Self-Care Service",
    errorTitle: "An error occurred",
    errorLead: "Sorry, a system error prevented this screen from being shown.",
    errorHint: "Please wait a moment and press “Show again”. If you were making a change, check the history to see whether it was accepted.",
    errorCode: "Error number",
    retry: "Show again",
    toTop: "To Customer Support (top)",
  },
} as const;
